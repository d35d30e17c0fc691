package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Eviction as memcached users expect it: LRU order, a segmented LRU that protects items read often, the bound. */
class MemoryItemStoreEvictionTest {

    final MutableClock clock = MutableClock.atDefaultStart();
    final ExecutorService pool = Executors.newFixedThreadPool(4);

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

    static boolean set(MemoryItemStore store, Key key, byte[] value) {
        return store.store(StoreRequest.of(StoreMode.SET, key, value, 0, 0)).outcome() == StoreResult.Outcome.STORED;
    }

    /**
     * Proves: a successful set is readable by the very next get however full the store is (the
     * issue's measurement: 8 MB store, 40 MB written, 1 KB and 100 KB values; W-TinyLFU missed
     * 15,545 of 40,000 and 394 of 400).
     */
    @Test
    void immediateGetAfterSetNeverMissesUnderPressure() {
        for (int size : new int[] {1024, 100 * 1024}) {
            MemoryItemStore store = store(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1));
            byte[] value = new byte[size];
            int n = (int) (DataSize.ofMegabytes(40).toBytes() / size);
            int misses = 0;
            for (int i = 0; i < n; i++) {
                Key key = Key.of("key-" + i);
                value[0] = (byte) i;
                assertThat(set(store, key, value)).isTrue();
                Item got = store.get(key);
                if (got == null || got.valueBytes()[0] != (byte) i) {
                    misses++;
                }
            }
            assertThat(misses).as("immediate misses for %d-byte values", size).isZero();
            assertThat(store.stats().evictions()).isPositive();
        }
    }

    /**
     * Proves: after writing 5x the limit of never-read items, what is left is exactly the newest
     * items (a suffix of the write order, nothing older kept in place of something newer), and it
     * fills the store (every newest item that fits is there).
     */
    @Test
    void newestItemsSurviveAFillOfFiveTimesTheLimit() {
        long limit = DataSize.ofMegabytes(1).toBytes();
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64));
        byte[] value = new byte[1000];
        List<Key> written = new ArrayList<>();
        for (long bytes = 0; bytes < 5 * limit; ) {
            Key key = Key.of(String.format("key-%06d", written.size()));
            assertThat(set(store, key, value)).isTrue();
            written.add(key);
            bytes += Item.footprintOf(key.length(), value.length);
        }
        long footprint = Item.footprintOf(written.get(0).length(), value.length);
        int fits = (int) (limit / footprint);
        int firstPresent = -1;
        for (int i = 0; i < written.size(); i++) {
            boolean present = store.peek(written.get(i)) != null;
            if (present && firstPresent < 0) {
                firstPresent = i;
            }
            assertThat(present).as("item %d of %d (first present %d)", i, written.size(), firstPresent)
                    .isEqualTo(firstPresent >= 0);
        }
        assertThat(written.size() - firstPresent).isEqualTo(fits);
        assertThat(store.stats().currItems()).isEqualTo(fits);
    }

    /**
     * Proves: items read repeatedly survive a one-pass scan of 5x the limit of new keys each set
     * and read once (they sit in WARM, which the scan never reaches), while the same items not
     * read again are flushed out by the same scan (the control: the test can fail).
     */
    @Test
    void itemsReadRepeatedlySurviveAScanOfNewKeys() {
        for (boolean readTwice : new boolean[] {true, false}) {
            long limit = DataSize.ofMegabytes(1).toBytes();
            MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64));
            byte[] value = new byte[1000];
            List<Key> favourites = new ArrayList<>();
            for (int i = 0; i < 200; i++) { // about 22% of the limit: fits WARM's 40%
                Key key = Key.of("fav-" + i);
                set(store, key, value);
                favourites.add(key);
                store.get(key);
                if (readTwice) {
                    store.get(key);
                }
            }
            for (int i = 0; i < 5 * limit / value.length; i++) {
                Key key = Key.of("scan-" + i);
                set(store, key, value);
                assertThat(store.get(key)).isNotNull();
            }
            long kept = favourites.stream().filter(k -> store.peek(k) != null).count();
            if (readTwice) {
                assertThat(kept).as("favourites read twice kept").isEqualTo(favourites.size());
                assertThat(store.lruSegment(favourites.get(0))).isEqualTo(SegmentedLru.WARM);
            } else {
                assertThat(kept).as("favourites read once kept").isZero();
            }
        }
    }

    /** Proves: a new item enters HOT, and an item read twice moves to WARM when it leaves HOT, not to COLD. */
    @Test
    void itemsReadTwiceMoveToWarmWhenTheyLeaveHot() {
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64));
        byte[] value = new byte[1000];
        Key twice = Key.of("twice");
        Key once = Key.of("once");
        set(store, twice, value);
        set(store, once, value);
        assertThat(store.lruSegment(twice)).isEqualTo(SegmentedLru.HOT);
        store.get(twice);
        store.get(twice);
        store.get(once);
        // push both out of HOT (20% of 1 MB) without evicting anything
        for (int i = 0; i < 300; i++) {
            set(store, Key.of("filler-" + i), value);
        }
        assertThat(store.stats().evictions()).isZero();
        assertThat(store.lruSegment(twice)).isEqualTo(SegmentedLru.WARM);
        assertThat(store.lruSegment(once)).isEqualTo(SegmentedLru.COLD);
    }

    /**
     * Proves: with writers racing (sets of mixed sizes, appends, deletes, touches, incr, meta
     * invalidations, reads, expiries, flushes), the bytes held stay within the bound at rest, the
     * count is exact (it equals the charges of the items the store still holds), and the LRU
     * links exactly the stored items, each once: no evicted or replaced item left behind, none lost.
     */
    @Test
    void memoryBoundHoldsAndIsExactUnderConcurrentWriters() throws Exception {
        long limit = DataSize.ofKilobytes(512).toBytes();
        MemoryItemStore store = store(DataSize.ofKilobytes(512), DataSize.ofKilobytes(64));
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            writers.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < 20_000; i++) {
                    Key key = Key.of("k" + random.nextInt(2000));
                    int op = random.nextInt(10);
                    if (op < 5) {
                        set(store, key, new byte[random.nextInt(1, 8000)]);
                    } else if (op < 6) {
                        store.store(StoreRequest.of(StoreMode.APPEND, key, new byte[100], 0, 0));
                    } else if (op < 7) {
                        switch (random.nextInt(6)) {
                            case 0 -> store.delete(key, 0, false);
                            case 1 -> store.delete(key, 0, true);
                            case 2 -> store.touch(key, random.nextInt(-1, 3));
                            case 3 -> store.arithmetic(new Arithmetic(key, true, 1, 0, true, 0, 1));
                            case 4 -> store.getAndTouch(key, 0);
                            default -> {
                                if (random.nextInt(50) == 0) {
                                    store.flushAll(0);
                                } else {
                                    clock.advanceMillis(random.nextInt(0, 300));
                                }
                            }
                        }
                    } else {
                        store.get(key);
                    }
                }
                return null;
            }));
        }
        for (Future<?> writer : writers) {
            writer.get(60, TimeUnit.SECONDS);
        }
        StoreStats stats = store.stats();
        long held = 0;
        long items = 0;
        for (Iterator<Item> it = store.itemsFrom(null); it.hasNext(); ) {
            held += store.charge(it.next());
            items++;
        }
        assertThat(stats.evictions()).isPositive();
        assertThat(stats.bytes()).isLessThanOrEqualTo(limit).isEqualTo(held);
        assertThat(stats.currItems()).isEqualTo(items);
        assertThat(store.indexMatchesCache()).isTrue();
        assertThat(store.lruMatchesMap()).isTrue();
    }
}
