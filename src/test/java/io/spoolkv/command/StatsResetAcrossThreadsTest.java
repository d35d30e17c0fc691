package io.spoolkv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.FastThreadLocalThread;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * "stats reset" over the per-thread counters: the threads that counted before the reset end, new ones count after
 * it (and adopt the ended threads' cells), and the counts reported are exactly those made since the reset, in the
 * general block and per slab class; while they are being made, a reader never sees one go below zero or backwards.
 */
class StatsResetAcrossThreadsTest {

    private static final Key KEY = Key.of("a");
    private static final int BEFORE_THREADS = 4;
    private static final int BEFORE_GETS = 5_000;
    private static final int AFTER_THREADS = 3;
    private static final int AFTER_GETS = 4_000;

    private final MemoryItemStore store = new MemoryItemStore(
            new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), MutableClock.atDefaultStart());
    private final CacheCommands commands = new CacheCommands(store, MutationListener.NONE);
    private final ServerProperties server = new ServerProperties("127.0.0.1", 11211, 1, 16, Duration.ofSeconds(1),
            Duration.ZERO, DataSize.ofKilobytes(64), DataSize.ofKilobytes(32), DataSize.ofMegabytes(4));
    private final StatsReporter reporter = new StatsReporter(commands, new ConnectionRegistry(server), server,
            new SpoolProperties(SpoolProperties.Mode.SPOOLED, DataSize.ofMegabytes(1), DataSize.ofKilobytes(256),
                    DataSize.ofMegabytes(64), 256, DataSize.ofMegabytes(1), Duration.ofSeconds(360)),
            new BackgroundProperties(2, 1024, DataSize.ofKilobytes(16)),
            new RuntimeSettings(new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true)),
            WatchCounts.NONE, LoginCounts.NONE);

    @AfterEach
    void closeStore() {
        store.close(); // frees the values, for the leak check
    }

    /** Proves: after a reset, stats report exactly the gets and sets made since, by whichever threads made them. */
    @Test
    void countsSinceAResetAreExactWhenOtherThreadsCountedBeforeIt() throws InterruptedException {
        runThreads(BEFORE_THREADS, BEFORE_GETS, true);
        assertThat(general("get_hits")).isEqualTo((long) BEFORE_THREADS * BEFORE_GETS);
        assertThat(general("cmd_set")).isEqualTo(BEFORE_THREADS);

        reporter.reset();
        assertThat(general("get_hits")).isZero();
        assertThat(general("cmd_get")).isZero();
        assertThat(slabGetHits()).isZero();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            long last = 0;
            while (running.get()) {
                long now = general("get_hits");
                if (now < last || now < 0) {
                    failure.compareAndSet(null, "get_hits went from " + last + " to " + now);
                }
                last = now;
            }
        });
        reader.start();
        runThreads(AFTER_THREADS, AFTER_GETS, false);
        running.set(false);
        reader.join();

        assertThat(failure.get()).isNull();
        long since = (long) AFTER_THREADS * AFTER_GETS;
        assertThat(general("get_hits")).isEqualTo(since);
        assertThat(general("cmd_get")).isEqualTo(since);
        assertThat(general("get_misses")).isZero();
        assertThat(general("cmd_set")).isZero();
        assertThat(slabGetHits()).isEqualTo(since);
    }

    /** {@code threads} threads (half of them Netty's), each doing a set if asked, then {@code gets} gets; joined. */
    private void runThreads(int threads, int gets, boolean set) throws InterruptedException {
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Runnable body = () -> {
                if (set) {
                    commands.store(1, StoreRequest.of(StoreMode.SET, KEY, new byte[100], 0, 0));
                }
                for (int i = 0; i < gets; i++) {
                    Item item = commands.get(1, KEY);
                    assertThat(item).isNotNull();
                    item.release();
                }
            };
            Thread thread = t % 2 == 0 ? new FastThreadLocalThread(body) : new Thread(body);
            thread.start();
            started.add(thread);
        }
        for (Thread thread : started) {
            thread.join();
        }
    }

    private long general(String name) {
        return value(reporter.report(null), name);
    }

    /** get_hits of the one slab class holding the key. */
    private long slabGetHits() {
        return reporter.report("slabs").stream().filter(s -> s.name().matches("\\d+:get_hits"))
                .mapToLong(s -> Long.parseLong(s.value())).sum();
    }

    private static long value(List<Stat> stats, String name) {
        return Long.parseLong(stats.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().value());
    }
}
