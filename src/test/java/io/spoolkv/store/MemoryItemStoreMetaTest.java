package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The store's meta operations: atomic reads with their side effects, meta deletes, the eviction hook. */
class MemoryItemStoreMetaTest {

    static final int THREADS = 8;

    final MutableClock clock = MutableClock.atDefaultStart();
    final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    final ReleasingStore store = new ReleasingStore(
            new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), clock);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        store.close();
    }

    static Key key(String k) {
        return Key.wrap(k.getBytes(StandardCharsets.US_ASCII));
    }

    void set(String k, long exptime) {
        store.store(StoreRequest.of(StoreMode.SET, key(k), "v".getBytes(StandardCharsets.US_ASCII), 0, exptime));
    }

    /** Runs {@code readers} concurrent reads of one key from a common start and counts the winners. */
    int racingWinners(ReadRequest plain, ReadRequest touching) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger winners = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            ReadRequest request = t % 2 == 0 ? plain : touching;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    if (store.read(request).won()) {
                        winners.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        return winners.get();
    }

    /** Exactly one of many racing readers wins a stale item's token, even while others touch it (mg T). */
    @Test
    void oneWinnerPerInvalidationUnderRacingReadersAndTouches() throws Exception {
        set("hot", 0);
        for (int round = 0; round < 20; round++) {
            assertThat(store.delete(new DeleteRequest(key("hot"), false, 0, true, null, false, 0)))
                    .isEqualTo(DeleteOutcome.DELETED);
            int winners = racingWinners(ReadRequest.plain(key("hot")),
                    new ReadRequest(key("hot"), true, 300L, null, null));
            assertThat(winners).as("round " + round).isEqualTo(1);
        }
    }

    /** Exactly one racing reader creates a missing item (mg N) and wins; the recache window (R) wins once. */
    @Test
    void oneWinnerPerVivifyAndPerRecacheWindow() throws Exception {
        ReadRequest vivify = new ReadRequest(key("new"), true, null, 30L, null);
        assertThat(racingWinners(vivify, vivify)).isEqualTo(1);
        set("ttl", 100);
        ReadRequest recache = new ReadRequest(key("ttl"), true, null, null, 200L);
        assertThat(racingWinners(recache, recache)).isEqualTo(1);
        assertThat(store.read(recache).tokenSentBefore()).isTrue();
    }

    /** A read without bump leaves the access record alone; h and l report the state before the read. */
    @Test
    void readWithoutBumpRecordsNothing() {
        set("k", 0);
        Item stored = store.peek(key("k"));
        clock.advanceSeconds(7);
        ReadResult quiet = store.read(new ReadRequest(key("k"), false, null, null, null));
        assertThat(quiet.fetchedBefore()).isFalse();
        assertThat(stored.fetched()).isFalse();
        assertThat(stored.lastAccess()).isEqualTo(quiet.lastAccessBefore());
        ReadResult bumped = store.read(ReadRequest.plain(key("k")));
        assertThat(bumped.fetchedBefore()).isFalse();
        assertThat(stored.fetched()).isTrue();
        assertThat(stored.lastAccess()).isEqualTo(clock.epochSecond());
    }

    /** md x keeps key and CAS with an empty value; md I T keeps the value stale with a new CAS and TTL. */
    @Test
    void metaDeletes() {
        set("k", 100);
        long cas = store.peek(key("k")).cas();
        store.delete(new DeleteRequest(key("k"), true, cas, false, null, true, 5));
        Item emptied = store.peek(key("k"));
        assertThat(emptied.valueLength()).isZero();
        assertThat(emptied.flags()).isEqualTo(5);
        assertThat(emptied.cas()).isEqualTo(cas);
        assertThat(emptied.expiresAt()).isZero();
        assertThat(store.delete(new DeleteRequest(key("k"), true, 0, true, 30L, false, 0))).isEqualTo(DeleteOutcome.EXISTS);
        assertThat(store.delete(new DeleteRequest(key("k"), false, 0, true, 30L, false, 0))).isEqualTo(DeleteOutcome.DELETED);
        Item stale = store.peek(key("k"));
        assertThat(stale.stale()).isTrue();
        assertThat(stale.cas()).isNotEqualTo(cas);
        assertThat(stale.ttlAt(clock.epochSecond())).isEqualTo(30);
    }

    /** The eviction listener hears each memory eviction once, with the evicted item. */
    @Test
    void evictionListenerHearsEveryEviction() {
        List<Item> heard = new CopyOnWriteArrayList<>();
        ReleasingStore small = new ReleasingStore(
                new StoreProperties(DataSize.ofKilobytes(64), DataSize.ofKilobytes(1), true), clock,
                (item, now) -> heard.add(item));
        byte[] value = new byte[500];
        for (int i = 0; i < 1000; i++) {
            small.store(StoreRequest.of(StoreMode.SET, key("e" + i), value, 0, 0));
        }
        long evictions = small.stats().evictions();
        assertThat(evictions).isPositive();
        assertThat(heard).hasSize((int) evictions);
        assertThat(heard).allSatisfy(item -> assertThat(small.peek(item.key())).isNull());
        small.close();
    }
}
