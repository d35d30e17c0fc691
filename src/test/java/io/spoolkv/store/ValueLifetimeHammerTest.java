package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * Proves that a reader never sees a value buffer that was released or reused: threads set, append, prepend,
 * read (get, gat, mg), delete and flush the same few keys of a store small enough to evict all the time, and
 * every reader checks every byte of every value it is handed. A value is a run of 32-byte blocks, each made
 * from its key and a seed it carries, so bytes freed and reused for another value, another key or a torn write
 * do not check out. The store's reference counting is what keeps a value alive between a reader's lookup and
 * its last byte; without it (tryRetain that does not count) this test fails.
 */
class ValueLifetimeHammerTest {

    private static final int BLOCK = 32;
    private static final int KEYS = 16;
    private static final int THREADS = 4;
    private static final long RUN_MILLIS = 3_000;

    private final MutableClock clock = MutableClock.atDefaultStart();
    private final AtomicLong verified = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    /** A value of {@code blocks} blocks for {@code key}, each with a fresh seed. */
    static byte[] value(Key key, int blocks) {
        ByteBuffer out = ByteBuffer.allocate(blocks * BLOCK);
        for (int b = 0; b < blocks; b++) {
            long seed = ThreadLocalRandom.current().nextLong();
            out.putLong(seed);
            for (int i = 8; i < BLOCK; i++) {
                out.put(expected(key, seed, i));
            }
        }
        return out.array();
    }

    private static byte expected(Key key, long seed, int i) {
        return (byte) ((seed * 0x9E3779B97F4A7C15L + (long) i * key.hashCode()) >>> 56 ^ i);
    }

    /** Checks every byte of a value read for {@code key}; throws on the first one that does not belong. */
    static void check(Key key, byte[] value, int declaredLength) {
        assertThat(value.length).as("bytes read vs the item's length").isEqualTo(declaredLength);
        assertThat(value.length % BLOCK).as("length of %s", key).isZero();
        ByteBuffer in = ByteBuffer.wrap(value);
        for (int b = 0; b < value.length / BLOCK; b++) {
            long seed = in.getLong();
            for (int i = 8; i < BLOCK; i++) {
                byte got = in.get();
                if (got != expected(key, seed, i)) {
                    throw new AssertionError("key " + key + ": block " + b + " byte " + i + " is " + got
                            + ", not its own: a freed or reused buffer was read");
                }
            }
        }
    }

    @Test
    void readersNeverSeeReleasedOrReusedValueBytes() throws InterruptedException {
        // 16 KB holds about a dozen items of up to 2 KB: writes evict other keys' values all the time
        MemoryItemStore store = new MemoryItemStore(
                new StoreProperties(DataSize.ofKilobytes(16), DataSize.ofKilobytes(8), true), clock);
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(Key.of("hammer-" + i));
        }
        CountDownLatch done = new CountDownLatch(THREADS);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() < end && failures.isEmpty()) {
                        Key key = keys.get(random.nextInt(KEYS));
                        int op = random.nextInt(100);
                        if (op < 25) {
                            store.store(StoreRequest.of(StoreMode.SET, key, value(key, 1 + random.nextInt(64)), 0, 0));
                        } else if (op < 32) {
                            StoreMode mode = random.nextBoolean() ? StoreMode.APPEND : StoreMode.PREPEND;
                            store.store(StoreRequest.of(mode, key, value(key, 1 + random.nextInt(8)), 0, 0));
                        } else if (op < 37) {
                            store.delete(key, 0, false);
                        } else if (op < 38) {
                            store.flushAll(0);
                        } else if (op < 80) {
                            read(key, store.get(key));
                        } else if (op < 90) {
                            read(key, store.getAndTouch(key, 0));
                        } else {
                            read(key, store.read(ReadRequest.plain(key)).item());
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            }, "hammer-" + t);
            thread.start();
        }
        assertThat(done.await(RUN_MILLIS + 30_000, TimeUnit.MILLISECONDS)).isTrue();
        StoreStats stats = store.stats();
        store.close();
        assertThat(failures).isEmpty();
        assertThat(verified.get()).as("values read and checked").isGreaterThan(1_000);
        assertThat(stats.evictions()).as("evictions during the run").isPositive();
    }

    /** Checks the value of an item a read handed out, then gives its reference back. */
    private void read(Key key, Item item) {
        if (item == null) {
            return;
        }
        try {
            check(key, item.valueBytes(), item.valueLength());
            verified.incrementAndGet();
        } finally {
            item.release();
        }
    }
}
