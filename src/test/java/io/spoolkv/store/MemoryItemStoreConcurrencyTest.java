package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Races, eviction and the key index staying in step with the cache. */
class MemoryItemStoreConcurrencyTest {

    final MutableClock clock = MutableClock.atDefaultStart();
    final ExecutorService pool = Executors.newFixedThreadPool(8);

    /** Every store a test made, closed after it so the leak check sees every value freed. */
    final java.util.List<ReleasingStore> stores = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        stores.forEach(ReleasingStore::close);
    }

    MemoryItemStore store(DataSize maxMemory, DataSize maxItem) {
        ReleasingStore store = new ReleasingStore(new StoreProperties(maxMemory, maxItem, true), clock);
        stores.add(store);
        return store;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs {@code task(threadIndex)} on n threads started together; rethrows any failure. */
    void runConcurrently(int threads, ThrowingIntConsumer task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            futures.add(pool.submit(() -> {
                start.await();
                task.accept(index);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    interface ThrowingIntConsumer {
        void accept(int value) throws Exception;
    }

    @Test
    void casIncrementRaceLosesNoUpdateAndHandsOutUniqueCas() throws Exception {
        MemoryItemStore store = store(DataSize.ofMegabytes(4), DataSize.ofKilobytes(64));
        Key counter = Key.of("counter");
        store.store(StoreRequest.of(StoreMode.SET, counter, b("0"), 0, 0));
        AtomicLong successes = new AtomicLong();
        Set<Long> casValues = ConcurrentHashMap.newKeySet();
        AtomicLong failures = new AtomicLong();
        runConcurrently(8, t -> {
            for (int i = 0; i < 400; i++) {
                Item item = store.get(counter);
                long next = Long.parseLong(new String(item.valueBytes(), StandardCharsets.US_ASCII)) + 1;
                StoreResult r = store.store(new StoreRequest(StoreMode.SET, counter,
                        b(Long.toString(next)), 0, 0, item.cas(), 0, false));
                if (r.outcome() == StoreResult.Outcome.STORED) {
                    successes.incrementAndGet();
                    assertThat(casValues.add(r.cas())).as("CAS handed out twice").isTrue();
                } else {
                    assertThat(r).isEqualTo(StoreResult.EXISTS);
                    failures.incrementAndGet();
                }
            }
        });
        String finalValue = new String(store.get(counter).valueBytes(), StandardCharsets.US_ASCII);
        assertThat(Long.parseLong(finalValue)).isEqualTo(successes.get());
        assertThat(successes.get() + failures.get()).isEqualTo(8 * 400);
        assertThat(successes.get()).isPositive();
    }

    @Test
    void concurrentIncrLosesNothing() throws Exception {
        MemoryItemStore store = store(DataSize.ofMegabytes(4), DataSize.ofKilobytes(64));
        Key counter = Key.of("n");
        store.store(StoreRequest.of(StoreMode.SET, counter, b("0"), 0, 0));
        Set<Long> casValues = ConcurrentHashMap.newKeySet();
        runConcurrently(8, t -> {
            for (int i = 0; i < 1000; i++) {
                ArithmeticResult r = store.arithmetic(Arithmetic.of(counter, true, 1));
                assertThat(casValues.add(r.item().cas())).isTrue();
            }
        });
        assertThat(new String(store.get(counter).valueBytes(), StandardCharsets.US_ASCII)).isEqualTo("8000");
    }

    @Test
    void evictionKeepsBytesWithinTheLimit() {
        long limit = DataSize.ofKilobytes(256).toBytes();
        MemoryItemStore store = store(DataSize.ofKilobytes(256), DataSize.ofKilobytes(16));
        byte[] value = new byte[1000];
        long written = 0;
        int n = 0;
        while (written < 4 * limit) {
            Key key = Key.of("key-" + n++);
            assertThat(store.store(StoreRequest.of(StoreMode.SET, key, value, 0, 0)).outcome())
                    .isEqualTo(StoreResult.Outcome.STORED);
            written += key.length() + value.length + Item.OVERHEAD_BYTES;
            // the bound holds after every single write, not just eventually
            assertThat(store.stats().bytes()).isLessThanOrEqualTo(limit);
        }
        StoreStats stats = store.stats();
        assertThat(stats.totalItems()).isEqualTo(n);
        assertThat(stats.evictions()).isEqualTo(n - stats.currItems());
        assertThat(stats.evictions()).isGreaterThan(n / 2);
        assertThat(stats.evictedUnfetched()).isEqualTo(stats.evictions());
        assertThat(stats.currItems()).isPositive();
        assertThat(stats.bytes()).isGreaterThan(limit / 2);
        assertThat(stats.reclaimed()).isZero();
        assertThat(store.indexMatchesCache()).isTrue();
        assertThat((long) store.indexSize()).isEqualTo(stats.currItems());
        List<Item> scanned = new ArrayList<>();
        store.itemsFrom(null).forEachRemaining(scanned::add);
        assertThat((long) scanned.size()).isEqualTo(stats.currItems());
    }

    @Test
    void evictedUnfetchedCountsOnlyItemsNeverRead() {
        MemoryItemStore store = store(DataSize.ofKilobytes(64), DataSize.ofKilobytes(16));
        byte[] value = new byte[1000];
        int n = 300;
        int fetched = 0;
        for (int i = 0; i < n; i++) {
            Key key = Key.of("k" + i);
            store.store(StoreRequest.of(StoreMode.SET, key, value, 0, 0));
            // counted only when the read hits, so the check holds for any eviction policy
            if (i % 2 == 0 && store.get(key) != null) {
                fetched++;
            }
        }
        StoreStats stats = store.stats();
        long unfetchedPresent = 0;
        long fetchedPresent = 0;
        for (Iterator<Item> it = store.itemsFrom(null); it.hasNext(); ) {
            if (it.next().fetched()) {
                fetchedPresent++;
            } else {
                unfetchedPresent++;
            }
        }
        assertThat(fetched).isPositive();
        assertThat(stats.evictions()).isEqualTo(n - stats.currItems());
        // no deletes: every item never read is either still here or was evicted unfetched
        assertThat(stats.evictedUnfetched()).isEqualTo(n - fetched - unfetchedPresent);
        // and every item read is still here or among the other evictions
        assertThat(fetchedPresent + stats.evictions() - stats.evictedUnfetched()).isEqualTo(fetched);
    }

    @Test
    void storeOverAnExpiredEntryKeepsItIndexed() {
        // the expired entry is reclaimed inside the same compute that stores the new one; the key
        // must stay in the index afterwards
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(16));
        Key key = Key.of("k");
        for (StoreMode mode : List.of(StoreMode.SET, StoreMode.ADD)) {
            store.store(StoreRequest.of(StoreMode.SET, key, b("old"), 0, 1));
            clock.advanceSeconds(2);
            assertThat(store.store(StoreRequest.of(mode, key, b("new"), 0, 0)).outcome())
                    .isEqualTo(StoreResult.Outcome.STORED);
            assertThat(store.indexMatchesCache()).isTrue();
            Iterator<Item> it = store.itemsFrom(null);
            assertThat(it.next().key()).isEqualTo(key);
            assertThat(store.stats().reclaimed()).isPositive();
        }
        ArithmeticResult vivified;
        store.delete(key, 0, false);
        store.arithmetic(new Arithmetic(key, true, 1, 0, true, 5, 1));
        clock.advanceSeconds(2);
        vivified = store.arithmetic(new Arithmetic(key, true, 1, 0, true, 9, 0));
        assertThat(vivified.value()).isEqualTo(9);
        assertThat(store.indexMatchesCache()).isTrue();
        assertThat(store.itemsFrom(null).next().key()).isEqualTo(key);
    }

    @Test
    void iterationToleratesModificationWithoutDuplicates() {
        MemoryItemStore store = store(DataSize.ofMegabytes(4), DataSize.ofKilobytes(16));
        for (int i = 0; i < 100; i += 2) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("k%03d", i)), b("v"), 0, 0));
        }
        Iterator<Item> it = store.itemsFrom(Key.of("k010"));
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            seen.add(it.next().key().toString());
        }
        // delete keys ahead of the cursor, add keys ahead of and behind it, rewrite the cursor's
        for (int i = 30; i < 60; i += 2) {
            store.delete(Key.of(String.format("k%03d", i)), 0, false);
        }
        for (int i = 1; i < 100; i += 2) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("k%03d", i)), b("v"), 0, 0));
        }
        store.store(StoreRequest.of(StoreMode.SET, Key.of(seen.get(4)), b("again"), 0, 0));
        it.forEachRemaining(item -> seen.add(item.key().toString()));
        assertThat(seen).doesNotHaveDuplicates().isSorted();
        assertThat(seen.get(0)).isEqualTo("k010");
        assertThat(seen).noneMatch(k -> k.compareTo("k030") >= 0 && k.compareTo("k060") < 0
                && Integer.parseInt(k.substring(1)) % 2 == 0);
        assertThat(seen).contains("k098");
    }

    @Test
    void indexAndCacheAgreeAfterConcurrentChurn() throws Exception {
        MemoryItemStore store = store(DataSize.ofKilobytes(64), DataSize.ofKilobytes(4));
        AtomicBoolean running = new AtomicBoolean(true);
        // a scanner checks order and uniqueness while everything changes underneath
        Future<?> scanner = pool.submit(() -> {
            long scans = 0;
            while (running.get() || scans == 0) {
                Key previous = null;
                for (Iterator<Item> it = store.itemsFrom(null); it.hasNext(); ) {
                    Key key = it.next().key();
                    if (previous != null && previous.compareTo(key) >= 0) {
                        throw new AssertionError("out of order: " + previous + " then " + key);
                    }
                    previous = key;
                }
                scans++;
            }
            return scans;
        });
        runConcurrently(6, t -> {
            SplittableRandom random = new SplittableRandom(t);
            for (int i = 0; i < 15_000; i++) {
                Key key = Key.of("key" + random.nextInt(400));
                int op = random.nextInt(100);
                byte[] value = new byte[random.nextInt(1, 1500)];
                if (op < 40) {
                    long exptime = random.nextInt(4) == 0 ? random.nextInt(-1, 5) : 0;
                    store.store(StoreRequest.of(StoreMode.SET, key, value, 0, exptime));
                } else if (op < 50) {
                    store.store(StoreRequest.of(StoreMode.ADD, key, value, 0, 0));
                } else if (op < 58) {
                    store.store(StoreRequest.of(StoreMode.APPEND, key, new byte[10], 0, 0));
                } else if (op < 73) {
                    store.delete(key, 0, random.nextInt(5) == 0);
                } else if (op < 80) {
                    store.arithmetic(new Arithmetic(key, true, 1, 0, true, 0, 0));
                } else if (op < 85) {
                    store.touch(key, random.nextInt(-1, 3));
                } else if (op < 88) {
                    clock.advanceMillis(random.nextInt(0, 400));
                } else if (op < 89 && random.nextInt(20) == 0) {
                    store.flushAll(random.nextInt(0, 2));
                } else {
                    store.get(key);
                }
            }
        });
        running.set(false);
        assertThat((Long) scanner.get(60, TimeUnit.SECONDS)).isPositive();

        StoreStats stats = store.stats();
        assertThat(stats.bytes()).isLessThanOrEqualTo(DataSize.ofKilobytes(64).toBytes());
        assertThat(stats.evictions()).isPositive();
        // every key the cache holds is indexed (expired entries may linger in both for a moment)
        assertThat(store.indexMatchesCacheIgnoringExpired()).isTrue();
        // once time passes every TTL, the listener must have taken each expired key out
        clock.advanceSeconds(3600);
        assertThat(store.indexMatchesCache()).isTrue();
        store.stats();
        assertThat((long) store.indexSize()).isEqualTo(store.stats().currItems());
        assertThat(store.lruMatchesMap()).isTrue();
        // the per-class numbers the LRU kept through the races (stats items/slabs) equal a recount of its items
        assertThat(store.slabCountsKept()).isDeepEqualTo(store.slabCountsRecounted());
        long recounted = java.util.Arrays.stream(store.slabCountsRecounted()).mapToLong(c -> c[0] + c[1] + c[2]).sum();
        assertThat(recounted).isPositive().isEqualTo(store.stats().currItems());
        List<Key> scanned = new ArrayList<>();
        store.itemsFrom(null).forEachRemaining(item -> scanned.add(item.key()));
        assertThat((long) scanned.size()).isEqualTo(store.stats().currItems());
        List<Key> sorted = new ArrayList<>(scanned);
        Collections.sort(sorted);
        assertThat(scanned).isEqualTo(sorted);
    }
}
