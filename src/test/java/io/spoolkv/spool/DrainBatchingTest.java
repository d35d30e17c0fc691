package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.config.SpoolProperties.Mode;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Under sustained load with small fragments, one drain pass (one event-loop wakeup) carries many fragments.
 *
 * <p>The fragments wrap one pre-filled array ({@code Unpooled.wrappedBuffer}), so the PARANOID leak detector,
 * which records a stack trace at every access of an allocator's buffer, does not make the producer the
 * bottleneck: this measures the drain, not the detector.
 */
class DrainBatchingTest {

    private static final int FRAGMENTS = 100_000;
    private static final int SIZE = 64;

    @Test
    void smallFragmentsAreBatchedIntoFewDrainPasses() throws Exception {
        byte[] pattern = new byte[FRAGMENTS * SIZE];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = PatternTask.patternAt(i);
        }
        try (SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 256 * 1024, 64 * 1024, 4 * 1024 * 1024));
             LoopbackServer server = new LoopbackServer(support.service, null, 32 * 1024, 64 * 1024, 64 * 1024);
             Socket client = server.connect(64 * 1024)) {
            ConnectionSpool spool = support.service.spoolOf(server.accept());
            Thread producer = new Thread(() -> produce(spool, pattern), "producer");
            producer.start();
            PatternTask.readAndVerify(client.getInputStream(), pattern.length);
            producer.join(5_000);

            double passes = support.counter("spoolkv.spool.drain.passes");
            double perFragment = passes / FRAGMENTS;
            System.out.printf("drain passes: %.0f for %d fragments (%.4f per fragment)%n", passes, FRAGMENTS, perFragment);
            assertThat(support.counter("spoolkv.spool.fragments.offered")).isEqualTo(FRAGMENTS);
            assertThat(perFragment).as("drain passes per fragment").isLessThan(0.1);
        }
    }

    private static void produce(ConnectionSpool spool, byte[] pattern) {
        try {
            for (int i = 0; i < FRAGMENTS; ) {
                ByteBuf fragment = Unpooled.wrappedBuffer(pattern, i * SIZE, SIZE);
                OfferResult result = spool.offer(fragment);
                if (result == OfferResult.ACCEPTED) {
                    i++;
                } else if (result == OfferResult.CLOSED) {
                    return;
                } else {
                    fragment.release(); // still ours; a fresh wrapper is offered after the resume
                    CountDownLatch resumed = new CountDownLatch(1);
                    if (!spool.resumeWhenDrained(resumed::countDown) || !resumed.await(5, TimeUnit.SECONDS)) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
