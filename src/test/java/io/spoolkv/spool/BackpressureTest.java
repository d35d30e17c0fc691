package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.config.SpoolProperties.Mode;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A real client that stops reading for a second: the spool's depth stays under its high watermark the whole
 * time, the producer is paused (not spinning), then it resumes and everything arrives once, in order.
 */
class BackpressureTest {

    private static final long HIGH = 64 * 1024;
    private static final long LOW = 16 * 1024;
    private static final int CHUNK = 4 * 1024;
    private static final long TOTAL = 3 * 1024 * 1024;

    /**
     * Bytes this spool ever accepted: those it holds plus those the socket took. Unlike the offered counters
     * (counted by drain passes, which do not run while the client does not read) it moves with every accepted
     * offer. Read on the event loop, where the socket's takings move bytes from the one figure to the other.
     */
    private static long acceptedBytes(ConnectionSpool spool) throws Exception {
        return spool.channel().eventLoop().submit(() -> spool.depthBytes() + spool.bytesSent()).get();
    }

    @Test
    void slowClientPausesTheProducerWithinTheBound() throws Exception {
        try (SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, HIGH, LOW, 1024 * 1024));
             LoopbackServer server = new LoopbackServer(support.service, null, 8 * 1024, 32 * 1024, 16 * 1024);
             Socket client = server.connect(16 * 1024)) {
            ConnectionSpool spool = support.service.spoolOf(server.accept());
            AtomicLong maxDepth = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxDepth.accumulateAndGet(spool.depthBytes(), Math::max);
                    try {
                        Thread.sleep(0, 200_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "depth-sampler");
            sampler.start();

            CountDownLatch done = new CountDownLatch(1);
            PatternTask task = new PatternTask(spool, support.executor, CHUNK, TOTAL, done);
            assertThat(task.start()).isTrue();
            InputStream in = client.getInputStream();
            PatternTask.readAndVerify(in, 64 * 1024);

            // The client stops reading: the producer fills the spool and pauses (waited for, not slept on, so a
            // loaded machine cannot make it flaky).
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(spool.producerPaused()).as("producer paused while the client does not read").isTrue());
            int fillsMidPause = task.fills.get();
            double offersMidPause = acceptedBytes(spool) + support.counter("spoolkv.spool.would.block");
            Thread.sleep(500);
            assertThat(task.fills.get()).as("no chunks produced while paused").isEqualTo(fillsMidPause);
            assertThat(acceptedBytes(spool) + support.counter("spoolkv.spool.would.block"))
                    .as("no offers while paused: the producer is not spinning").isEqualTo(offersMidPause);
            assertThat(maxDepth.get()).isLessThanOrEqualTo(HIGH);

            // It reads again: everything arrives.
            PatternTask.readAndVerify(in, 64 * 1024, TOTAL);
            assertThat(done.await(5, TimeUnit.SECONDS)).as("end-of-stream callback ran").isTrue();
            sampling.set(false);
            sampler.join();

            assertThat(maxDepth.get()).as("depth never above the high watermark").isLessThanOrEqualTo(HIGH);
            assertThat(task.fills.get()).as("each chunk filled once").isEqualTo((int) (TOTAL / CHUNK));
            double wouldBlock = support.counter("spoolkv.spool.would.block");
            assertThat(wouldBlock).isPositive();
            // A pause starts when a chunk no longer fits (depth above HIGH - CHUNK) and lasts until the depth is
            // under the resume point, 48 KiB here (48 chunks of 4 KiB would be more than three quarters of HIGH, so
            // three quarters of HIGH decides): each pause spans at least 12 KiB drained.
            assertThat(wouldBlock).isLessThanOrEqualTo(TOTAL / (HIGH - CHUNK - 48 * 1024) + 5);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                assertThat(support.counter("spoolkv.spool.resumes")).as("one resume per pause").isEqualTo(wouldBlock);
                assertThat(spool.depthBytes()).isZero();
                assertThat(support.service.totals().depthBytes()).isZero();
                assertThat(task.allocated).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
            });
            assertThat(spool.command()).isNull();
        }
    }
}
