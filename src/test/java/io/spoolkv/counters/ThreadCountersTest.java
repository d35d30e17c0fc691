package io.spoolkv.counters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The per-thread counters' contract: exact sums, sums that never go backwards, counts of ended threads kept. */
class ThreadCountersTest {

    private static final int THREADS = 6;
    private static final int TIMES = 200_000;

    /** Starts {@code n} threads (half of them Netty's, as the event loops are) running {@code body}, then joins them. */
    private static void runAll(int n, Runnable body) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < n; t++) {
            Runnable r = () -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                body.run();
            };
            threads.add(t % 2 == 0 ? new FastThreadLocalThread(r) : new Thread(r));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
    }

    /** Proves: after N threads each counted M times and were joined, every counter's sum is exact (no lost update). */
    @Test
    void sumsAreExactOnceTheCountingThreadsAreJoined() throws InterruptedException {
        ThreadCounters counters = new ThreadCounters(3);
        runAll(THREADS, () -> {
            for (int i = 0; i < TIMES; i++) {
                counters.increment(0);
                counters.add(2, 3);
            }
        });
        assertThat(counters.sum(0)).isEqualTo((long) THREADS * TIMES);
        assertThat(counters.sum(1)).isZero();
        assertThat(counters.sum(2)).isEqualTo(3L * THREADS * TIMES);
        assertThat(counters.blocks()).isBetween(1, THREADS);
    }

    /** Proves: a reader summing while writers count sees a sum that never decreases and never exceeds what was done. */
    @Test
    void aSumReadWhileWritersCountNeverGoesBackwards() throws InterruptedException {
        ThreadCounters counters = new ThreadCounters(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> failure = new AtomicReference<>();
        List<Long> seen = new ArrayList<>();
        Thread reader = new Thread(() -> {
            long last = 0;
            while (writing.get()) {
                long now = counters.sum(0);
                if (now < last || now > (long) THREADS * TIMES) {
                    failure.compareAndSet(null, "sum went from " + last + " to " + now);
                }
                if (now != last) {
                    seen.add(now);
                }
                last = now;
            }
        });
        reader.start();
        runAll(THREADS, () -> {
            for (int i = 0; i < TIMES; i++) {
                counters.increment(0);
            }
        });
        writing.set(false);
        reader.join();
        assertThat(failure.get()).isNull();
        assertThat(seen).as("the reader saw the sum grow, not only its end").hasSizeGreaterThan(1);
        assertThat(counters.sum(0)).isEqualTo((long) THREADS * TIMES);
    }

    /**
     * Proves: the counts of a thread that ended stay in the sum, and the next thread to count adopts its block
     * (continuing from its counts) instead of adding one, so blocks do not pile up as threads come and go.
     */
    @Test
    void anEndedThreadsCountsStayAndItsBlockIsReused() throws InterruptedException {
        ThreadCounters counters = new ThreadCounters(2);
        for (int round = 1; round <= 5; round++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < 1_000; i++) {
                    counters.increment(1);
                }
            });
            t.start();
            t.join();
            assertThat(counters.sum(1)).isEqualTo(1_000L * round);
            assertThat(counters.blocks()).isEqualTo(1);
        }
        // a thread that is still alive keeps its block: a second live thread gets one of its own
        CountDownLatch counted = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread alive = new Thread(() -> {
            counters.increment(1);
            counted.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        alive.start();
        counted.await();
        counters.increment(1);
        assertThat(counters.blocks()).isEqualTo(2);
        assertThat(counters.sum(1)).isEqualTo(5_002L);
        done.countDown();
        alive.join();
    }

    /** Proves: the counter handle counts into its own cell, and a counter outside the width is refused. */
    @Test
    void aHandleCountsItsOwnCellAndOutOfRangeCountersAreRefused() {
        ThreadCounters counters = new ThreadCounters(2);
        ThreadCounters.Counter second = counters.counter(1);
        second.increment();
        second.add(41);
        assertThat(second.sum()).isEqualTo(42);
        assertThat(counters.sum(0)).isZero();
        assertThatThrownBy(() -> counters.increment(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> counters.counter(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new ThreadCounters(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
