package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The findings of the store's cold review (issue 10): each test fails on the store before its fix. */
class MemoryItemStoreReviewFixesTest {

    final MutableClock clock = MutableClock.atDefaultStart();

    /** Closed after each test: the reads' references and the store's go back, so the leak check covers them. */
    final List<ReleasingStore> stores = new ArrayList<>();

    MemoryItemStore store(DataSize maxMemory, DataSize maxItem, EvictionListener listener) {
        ReleasingStore store = new ReleasingStore(new StoreProperties(maxMemory, maxItem, true), clock, listener);
        stores.add(store);
        return store;
    }

    @AfterEach
    void closeStores() {
        stores.forEach(ReleasingStore::close);
    }

    static boolean set(MemoryItemStore store, Key key, byte[] value, long exptime) {
        return store.store(StoreRequest.of(StoreMode.SET, key, value, 0, exptime)).outcome()
                == StoreResult.Outcome.STORED;
    }

    /**
     * Proves (B1): an eviction listener that throws (WatchHub can hit OutOfDirectMemoryError) neither
     * aborts the write nor leaves the victim in the map while it is gone from the LRU and the index:
     * map, index and LRU stay in step, the bound holds, and the failure is counted.
     */
    @Test
    void throwingEvictionListenerLeavesMapIndexAndLruInStep() {
        AtomicInteger calls = new AtomicInteger();
        EvictionListener failing = (item, now) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("simulated failure (WatchHub can throw OutOfDirectMemoryError)");
        };
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64), failing);
        byte[] value = new byte[1000];
        for (int i = 0; i < 3000; i++) {
            assertThat(set(store, Key.of("key-" + i), value, 0)).isTrue();
        }
        assertThat(calls.get()).isPositive();
        assertThat(store.listenerFailures()).isEqualTo(calls.get());
        assertThat(store.stats().evictions()).isEqualTo(calls.get());
        assertThat(store.lruMatchesMap()).isTrue();
        assertThat(store.indexMatchesCache()).isTrue();
        assertThat(store.stats().bytes()).isLessThanOrEqualTo(DataSize.ofMegabytes(1).toBytes());
    }

    /**
     * Proves (B3): with values large relative to the bound (1 MB values, 8 MB store) and every stored item
     * read twice before the next write (so all of COLD is active and gets rescued to WARM), a just-stored item
     * is still there for the next get: eviction takes WARM's tail before it touches HOT, and never the new item.
     */
    @Test
    void justStoredLargeItemSurvivesWhenEverythingIsReadTwice() {
        MemoryItemStore store = store(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1), EvictionListener.NONE);
        byte[] value = new byte[1024 * 1024];
        java.util.List<Key> written = new java.util.ArrayList<>();
        int misses = 0;
        for (int i = 0; i < 7; i++) { // fill: 7 items of 1 MB fit in 8 MB, with their overhead
            assertThat(set(store, Key.of("big-" + i), value, 0)).isTrue();
            written.add(Key.of("big-" + i));
        }
        for (int i = 7; i < 32; i++) {
            for (Key held : written) { // everything held is read twice, then one more item is stored
                store.get(held);
                store.get(held);
            }
            Key key = Key.of("big-" + i);
            value[0] = (byte) i;
            assertThat(set(store, key, value, 0)).isTrue();
            written.add(key);
            Item got = store.get(key);
            if (got == null || got.valueBytes()[0] != (byte) i) {
                misses++;
            }
        }
        assertThat(misses).as("immediate misses of 1 MB values, everything read twice").isZero();
        assertThat(store.stats().evictions()).isPositive();
        assertThat(store.stats().bytes()).isLessThanOrEqualTo(DataSize.ofMegabytes(8).toBytes());
        assertThat(store.lruMatchesMap()).isTrue();
    }

    /** Proves (B4): an item both flushed and expired counts as get_flushed (memcached checks flush first). */
    @Test
    void flushedAndExpiredItemCountsAsFlushed() {
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64), EvictionListener.NONE);
        Key key = Key.of("k");
        set(store, key, new byte[10], 5);
        store.flushAll(0);
        clock.advanceSeconds(10);
        assertThat(store.get(key)).isNull();
        assertThat(store.stats().getFlushed()).isEqualTo(1);
        assertThat(store.stats().getExpired()).isZero();
    }

    /** Proves (B4): mg, gat and touch that find an expired item count get_expired, as memcached's item_get does. */
    @Test
    void metaGetGatAndTouchCountExpiredReads() {
        MemoryItemStore store = store(DataSize.ofMegabytes(1), DataSize.ofKilobytes(64), EvictionListener.NONE);
        for (String k : new String[] {"mg", "gat", "touch"}) {
            set(store, Key.of(k), new byte[10], 5);
        }
        clock.advanceSeconds(10);
        // no stats() between the lookups: its sweep would drop the dead items first
        assertThat(store.read(ReadRequest.plain(Key.of("mg"))).item()).isNull();
        assertThat(store.getAndTouch(Key.of("gat"), 100)).isNull();
        assertThat(store.touch(Key.of("touch"), 100)).isFalse();
        assertThat(store.stats().getExpired()).isEqualTo(3);
        // the dead items are gone: a second read finds nothing to count
        assertThat(store.get(Key.of("mg"))).isNull();
        assertThat(store.stats().getExpired()).isEqualTo(3);
    }

    /**
     * Proves (R2): when an append's combined value is refused, the retry's eviction is sized from the combined
     * length (2 KB here), not from the appended byte: every small tail item goes, not only the first.
     */
    @Test
    void anAppendRefusedFreesRoomForTheCombinedValue() {
        io.spoolkv.testsupport.FailingAllocator allocator = new io.spoolkv.testsupport.FailingAllocator();
        MemoryItemStore store = new MemoryItemStore(
                new StoreProperties(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1), true), clock,
                EvictionListener.NONE, allocator);
        try {
            assertThat(set(store, Key.of("n"), new byte[2000], 0)).isTrue();
            for (String k : new String[] {"a", "b", "c", "d"}) {
                assertThat(set(store, Key.of(k), new byte[] {'v'}, 0)).isTrue();
            }
            allocator.failNext(1, io.spoolkv.testsupport.FailingAllocator.Kind.NETTY);
            StoreResult appended = store.store(StoreRequest.of(StoreMode.APPEND, Key.of("n"), new byte[] {'x'}, 0, 0));
            assertThat(appended.outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(store.stats().evictions()).as("four small items for a 2 KB value").isEqualTo(4);
            assertThat(store.peek(Key.of("n")).valueLength()).isEqualTo(2001);
        } finally {
            store.close();
        }
    }
}
