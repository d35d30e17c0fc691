package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.util.ArrayDeque;
import java.util.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * stats() only reads counters: the expiry/flush sweep it starts runs on the sweep executor (the background pool
 * in the server), single flight, in bounded steps. Here the executor only queues, so whatever stats() reports
 * was read without walking the store, and each queued task is one step.
 */
class StatsSweepOffCallerTest {

    final MutableClock clock = MutableClock.atDefaultStart();
    final Queue<Runnable> queued = new ArrayDeque<>();
    final MemoryItemStore store = new MemoryItemStore(
            new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), clock,
            EvictionListener.NONE, queued::add);

    @AfterEach
    void closeStore() {
        store.close();
    }

    void set(int count, long exptime) {
        for (int i = 0; i < count; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of("k" + i), new byte[] {'v'}, 0, exptime));
        }
    }

    /** Runs the queued steps on another thread, as the background pool does; the number of steps run. */
    int runQueuedSteps() throws InterruptedException {
        int[] steps = {0};
        Thread background = new Thread(() -> {
            for (Runnable step; (step = queued.poll()) != null; steps[0]++) {
                step.run();
            }
        });
        background.start();
        background.join();
        return steps[0];
    }

    /** Proves: stats() on the caller returns at once with the expired items still held; the sweep runs elsewhere. */
    @Test
    void statsQueuesTheSweepInsteadOfWalkingTheStore() throws Exception {
        set(3, 1);
        clock.advanceSeconds(5);
        StoreStats first = store.stats();
        assertThat(first.currItems()).as("not walked by stats()").isEqualTo(3);
        assertThat(first.reclaimed()).isZero();
        assertThat(queued).hasSize(1);
        clock.advanceSeconds(1);
        store.stats();
        assertThat(queued).as("single flight: a second stats() starts nothing while one is queued").hasSize(1);
        assertThat(runQueuedSteps()).isEqualTo(1);
        StoreStats after = store.stats();
        assertThat(after.currItems()).isZero();
        assertThat(after.reclaimed()).isEqualTo(3);
    }

    /** Proves: a sweep walks in bounded steps, each queued after the last, and removes every dead item. */
    @Test
    void aLargeSweepRunsInBoundedSteps() throws Exception {
        int items = 2 * MemoryItemStore.SWEEP_STEP + 10;
        set(items, 0);
        store.flushAll(0);
        store.stats();
        assertThat(runQueuedSteps()).isEqualTo(3);
        assertThat(store.stats().currItems()).isZero();
        assertThat(store.stats().reclaimed()).isEqualTo(items);
        assertThat(queued).as("nothing due after the flush was swept").isEmpty();
    }

    /**
     * Proves (R5): once the sweep executor refuses (shut down), stats() still answers, and a flush's pending sweep
     * is not forgotten: the next stats() with a working executor sweeps the flushed items.
     */
    @Test
    void aRefusedSweepNeitherEscapesStatsNorForgetsTheFlush() throws Exception {
        boolean[] refusing = {true};
        MemoryItemStore refused = new MemoryItemStore(
                new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), clock,
                EvictionListener.NONE, task -> {
                    if (refusing[0]) {
                        throw new java.util.concurrent.RejectedExecutionException("shut down (test)");
                    }
                    queued.add(task);
                });
        try {
            refused.store(StoreRequest.of(StoreMode.SET, Key.of("k"), new byte[] {'v'}, 0, 0));
            refused.flushAll(0);
            assertThat(refused.stats().currItems()).as("stats() answers; nothing swept").isEqualTo(1);
            refusing[0] = false;
            clock.advanceSeconds(1);
            refused.stats();
            assertThat(queued).as("the flush's sweep, still pending").hasSize(1);
            runQueuedSteps();
            assertThat(refused.stats().currItems()).isZero();
        } finally {
            refused.close();
        }
    }
}
