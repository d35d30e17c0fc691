package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.spoolkv.config.SpoolProperties.Mode;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A client that never reads is closed once its spool has made no progress for the stuck timeout. */
class StuckClientTest {

    @Test
    void spoolWithoutProgressGetsItsConnectionClosedAndCounted() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (SpoolTestSupport support = new SpoolTestSupport(
                props(Mode.SPOOLED, 64 * 1024, 16 * 1024, 1024 * 1024, timeout));
             LoopbackServer server = new LoopbackServer(support.service, null, 8 * 1024, 32 * 1024, 8 * 1024);
             Socket client = server.connect(8 * 1024)) {
            Channel channel = server.accept();
            ConnectionSpool spool = support.service.spoolOf(channel);
            Thread.sleep(timeout.toMillis() + 100); // an idle spool is never stuck, however long it has been idle
            assertThat(channel.isActive()).isTrue();

            long started = System.nanoTime();
            PatternTask task = new PatternTask(spool, support.executor, 4096, -1, new CountDownLatch(1));
            assertThat(task.start()).isTrue();

            assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).as("stuck connection closed").isTrue();
            long openFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(openFor).as("not closed before the timeout").isGreaterThanOrEqualTo(timeout.toMillis());
            assertThat(support.counter("spoolkv.spool.stuck.closes")).isEqualTo(1);
            assertThat(support.service.totals().stuckCloses()).isEqualTo(1);
            assertThat(task.closed.await(5, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(support.service.totals().depthBytes()).isZero();
                assertThat(task.allocated).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
            });
        }
    }
}
