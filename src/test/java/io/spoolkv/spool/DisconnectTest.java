package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.config.SpoolProperties.Mode;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client goes away mid-stream: the producer stops within one chunk and every buffer is released. */
class DisconnectTest {

    private static final int CHUNK = 4 * 1024;

    @Test
    void readingClientDisconnectsMidStream() throws Exception {
        try (SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 64 * 1024, 16 * 1024, 1024 * 1024));
             LoopbackServer server = new LoopbackServer(support.service, null, 8 * 1024, 32 * 1024, 16 * 1024)) {
            Socket client = server.connect(16 * 1024);
            ConnectionSpool spool = support.service.spoolOf(server.accept());
            PatternTask task = new PatternTask(spool, support.executor, CHUNK, -1, new CountDownLatch(1));
            assertThat(task.start()).isTrue();
            PatternTask.readAndVerify(client.getInputStream(), 256 * 1024);
            client.close(); // unread data in its buffer: a reset

            assertStoppedAndReleased(support, spool, task);
        }
    }

    @Test
    void pausedProducerHearsClosedWhenTheClientDisconnects() throws Exception {
        try (SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 64 * 1024, 16 * 1024, 1024 * 1024));
             LoopbackServer server = new LoopbackServer(support.service, null, 8 * 1024, 32 * 1024, 16 * 1024)) {
            Socket client = server.connect(16 * 1024);
            ConnectionSpool spool = support.service.spoolOf(server.accept());
            PatternTask task = new PatternTask(spool, support.executor, CHUNK, -1, new CountDownLatch(1));
            assertThat(task.start()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(spool::producerPaused); // the client never reads
            int fills = task.fills.get();
            client.close();

            assertStoppedAndReleased(support, spool, task);
            assertThat(task.fills.get()).as("the paused producer offered its kept chunk, heard CLOSED, filled nothing")
                    .isEqualTo(fills);
        }
    }

    private static void assertStoppedAndReleased(SpoolTestSupport support, ConnectionSpool spool, PatternTask task)
            throws InterruptedException {
        assertThat(task.closed.await(5, TimeUnit.SECONDS)).as("producer heard CLOSED").isTrue();
        assertThat(task.fillsAfterClose.get()).as("at most one chunk filled after the close").isLessThanOrEqualTo(1);
        assertThat(task.done.getCount()).as("end-of-stream callback never runs").isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(spool.depthBytes()).isZero();
            assertThat(spool.depthFragments()).isZero();
            assertThat(support.service.totals().depthBytes()).isZero();
            assertThat(support.service.spools()).isEmpty();
            assertThat(task.allocated).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        });
        assertThat(spool.isClosed()).isTrue();
        assertThat(spool.command()).isNull();
    }
}
