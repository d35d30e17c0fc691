package io.spoolkv.background;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.spoolkv.config.BackgroundProperties;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class BackgroundExecutorTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final BackgroundExecutor executor =
            new BackgroundExecutor(new BackgroundProperties(1, 2, DataSize.ofKilobytes(16)), registry);

    @AfterEach
    void tearDown() {
        executor.shutdown();
    }

    @Test
    void refusesNewCommandsWhenTheQueueIsFullButNeverAContinuation() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        assertThat(executor.trySubmit(() -> {
            worker.set(Thread.currentThread());
            started.countDown();
            awaitQuietly(release);
        })).isTrue();
        assertThat(started.await(2, TimeUnit.SECONDS)).isTrue();

        AtomicInteger ran = new AtomicInteger();
        assertThat(executor.trySubmit(ran::incrementAndGet)).isTrue();
        assertThat(executor.trySubmit(ran::incrementAndGet)).isTrue();
        assertThat(executor.trySubmit(ran::incrementAndGet)).as("queue full: busy").isFalse();
        executor.execute(ran::incrementAndGet); // a resume continuation is never refused

        assertThat(registry.get("spoolkv.background.active").gauge().value()).isEqualTo(1);
        assertThat(registry.get("spoolkv.background.queued").gauge().value()).isEqualTo(3);
        assertThat(worker.get().getName()).startsWith("spoolkv-bg-");
        assertThat(worker.get().isDaemon()).isTrue();

        release.countDown();
        await().atMost(Duration.ofSeconds(2)).untilAtomic(ran, org.hamcrest.Matchers.equalTo(3));
        assertThat(executor.trySubmit(ran::incrementAndGet)).as("room again").isTrue();
    }

    @Test
    void refusesAfterShutdown() {
        executor.shutdown();
        assertThat(executor.trySubmit(() -> { })).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aResumeStillQueuedWhenThePoolStopsIsAbandonedSoItsProducerReleasesWhatItHolds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        assertThat(executor.trySubmit(() -> { // the only thread is busy past the shutdown's grace period
            started.countDown();
            awaitQuietly(release);
        })).isTrue();
        assertThat(started.await(2, TimeUnit.SECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger abandoned = new AtomicInteger();
        executor.execute(new io.spoolkv.spool.ResumeCallback() {
            @Override
            public void run() {
                ran.incrementAndGet();
            }

            @Override
            public void abandoned() {
                abandoned.incrementAndGet();
            }
        });
        executor.shutdown(); // waits 2 s, then stops the pool with the resume still queued
        release.countDown();
        assertThat(ran).hasValue(0);
        assertThat(abandoned).hasValue(1);
    }
}
