package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class MemoryItemStoreTest {

    static final long THIRTY_DAYS = 60L * 60 * 24 * 30;

    MutableClock clock;
    ReleasingStore store;

    @BeforeEach
    void setUp() {
        clock = MutableClock.atDefaultStart();
        store = new ReleasingStore(
                new StoreProperties(DataSize.ofMegabytes(8), DataSize.ofKilobytes(64), true), clock);
    }

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(Item item) {
        return new String(item.valueBytes(), StandardCharsets.UTF_8);
    }

    StoreResult set(String key, String value) {
        return store.store(StoreRequest.of(StoreMode.SET, Key.of(key), b(value), 0, 0));
    }

    StoreResult put(StoreMode mode, String key, String value, int flags, long exptime) {
        return store.store(StoreRequest.of(mode, Key.of(key), b(value), flags, exptime));
    }

    StoreResult cas(StoreMode mode, String key, String value, long compareCas) {
        return store.store(new StoreRequest(mode, Key.of(key), b(value), 0, 0, compareCas, 0, false));
    }

    String value(String key) {
        Item item = store.get(Key.of(key));
        return item == null ? null : str(item);
    }

    /**
     * Property: close gives back the store's reference of every item once (values at refCnt 0, none twice: a
     * double release would throw) and leaves the map, the ordered index and the LRU empty.
     */
    @Test
    void closeReleasesEveryValueOnceAndEmptiesTheStore() {
        List<Item> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            set("k" + i, "v" + i);
            held.add(store.peek(Key.of("k" + i)));
        }
        store.close();
        assertThat(held).allSatisfy(item -> assertThat(item.tryRetain()).as("released").isFalse());
        assertThat(store.indexSize()).isZero();
        assertThat(store.peek(Key.of("k1"))).isNull();
        assertThat(store.lruMatchesMap()).isTrue();
    }

    /**
     * Property: an overwrite hands the key's index slot to the new item (the skip list is not written again) and
     * the key-order iterator sees the new item; the index still holds each key once.
     */
    @Test
    void anOverwriteKeepsTheKeysIndexSlot() {
        set("a", "1");
        set("b", "1");
        IndexSlot slot = store.peek(Key.of("a")).indexSlot;
        set("a", "2");
        Item second = store.peek(Key.of("a"));
        assertThat(second.indexSlot).isSameAs(slot);
        assertThat(slot.item).isSameAs(second);
        assertThat(str(store.itemsFrom(null).next())).isEqualTo("2");
        assertThat(store.indexSize()).isEqualTo(2);
        assertThat(store.indexMatchesCache()).isTrue();
    }

    @Nested
    class Modes {

        @Test
        void setStoresAndOverwrites() {
            assertThat(put(StoreMode.SET, "k", "one", 7, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(put(StoreMode.SET, "k", "two", 9, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            Item item = store.get(Key.of("k"));
            assertThat(str(item)).isEqualTo("two");
            assertThat(item.flags()).isEqualTo(9);
        }

        @Test
        void addOnlyWhenAbsent() {
            assertThat(put(StoreMode.ADD, "k", "one", 0, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(put(StoreMode.ADD, "k", "two", 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            assertThat(value("k")).isEqualTo("one");
        }

        @Test
        void addSucceedsOverExpiredItem() {
            put(StoreMode.SET, "k", "old", 0, 10);
            clock.advanceSeconds(10);
            assertThat(put(StoreMode.ADD, "k", "new", 0, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(value("k")).isEqualTo("new");
        }

        @Test
        void replaceOnlyWhenPresent() {
            assertThat(put(StoreMode.REPLACE, "k", "one", 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            assertThat(store.get(Key.of("k"))).isNull();
            set("k", "one");
            assertThat(put(StoreMode.REPLACE, "k", "two", 3, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(value("k")).isEqualTo("two");
        }

        @Test
        void appendAndPrependKeepFlagsAndExpiry() {
            assertThat(put(StoreMode.APPEND, "k", "x", 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            assertThat(put(StoreMode.PREPEND, "k", "x", 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            put(StoreMode.SET, "k", "mid", 42, 100);
            long firstCas = store.peek(Key.of("k")).cas();
            assertThat(put(StoreMode.APPEND, "k", "-end", 1, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(put(StoreMode.PREPEND, "k", "start-", 2, 5).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            Item item = store.get(Key.of("k"));
            assertThat(str(item)).isEqualTo("start-mid-end");
            assertThat(item.flags()).isEqualTo(42);
            assertThat(item.expiresAt()).isEqualTo(clock.epochSecond() + 100);
            assertThat(item.cas()).isGreaterThan(firstCas);
        }

        @Test
        void appendBeyondMaxItemSizeIsNotStored() {
            set("k", "x".repeat(60 * 1024));
            assertThat(put(StoreMode.APPEND, "k", "y".repeat(5 * 1024), 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            assertThat(store.get(Key.of("k")).valueBytes()).hasSize(60 * 1024);
        }

        @Test
        void valueOverMaxItemSizeIsNotStored() {
            byte[] big = new byte[64 * 1024 + 1];
            assertThat(store.store(StoreRequest.of(StoreMode.SET, Key.of("k"), big, 0, 0)))
                    .isEqualTo(StoreResult.NOT_STORED);
            assertThat(store.get(Key.of("k"))).isNull();
            byte[] max = new byte[64 * 1024];
            assertThat(store.store(StoreRequest.of(StoreMode.SET, Key.of("k"), max, 0, 0)).outcome())
                    .isEqualTo(StoreResult.Outcome.STORED);
        }

        @Test
        void flagsRoundTripAsUnsigned32Bit() {
            put(StoreMode.SET, "k", "v", 0xFFFF_FFFF, 0);
            assertThat(Integer.toUnsignedLong(store.get(Key.of("k")).flags())).isEqualTo(4294967295L);
        }
    }

    @Nested
    class Cas {

        @Test
        void casUniquesStrictlyIncreaseOnEveryModification() {
            long a = set("a", "1").cas();
            long b = set("b", "1").cas();
            long a2 = set("a", "2").cas();
            long append = put(StoreMode.APPEND, "a", "0", 0, 0).cas();
            long incr = store.arithmetic(Arithmetic.of(Key.of("a"), true, 1)).item().cas();
            assertThat(List.of(a, b, a2, append, incr)).isSorted().doesNotHaveDuplicates();
            assertThat(a).isPositive();
            assertThat(store.peek(Key.of("a")).cas()).isEqualTo(incr);
        }

        @Test
        void touchKeepsCas() {
            long cas = set("k", "v").cas();
            assertThat(store.touch(Key.of("k"), 100)).isTrue();
            assertThat(store.getAndTouch(Key.of("k"), 200).cas()).isEqualTo(cas);
            assertThat(store.peek(Key.of("k")).cas()).isEqualTo(cas);
        }

        @Test
        void casOutcomes() {
            assertThat(cas(StoreMode.SET, "k", "v", 5)).isEqualTo(StoreResult.NOT_FOUND);
            long cas = set("k", "v1").cas();
            assertThat(cas(StoreMode.SET, "k", "v2", cas + 1000)).isEqualTo(StoreResult.EXISTS);
            assertThat(value("k")).isEqualTo("v1");
            StoreResult ok = cas(StoreMode.SET, "k", "v2", cas);
            assertThat(ok.outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(ok.cas()).isGreaterThan(cas);
            assertThat(value("k")).isEqualTo("v2");
            // the old CAS is spent
            assertThat(cas(StoreMode.SET, "k", "v3", cas)).isEqualTo(StoreResult.EXISTS);
        }

        @Test
        void casOnExpiredItemIsNotFound() {
            long cas = put(StoreMode.SET, "k", "v", 0, 5).cas();
            clock.advanceSeconds(5);
            assertThat(cas(StoreMode.SET, "k", "w", cas)).isEqualTo(StoreResult.NOT_FOUND);
        }

        @Test
        void casWithAppendChecksCas() {
            long cas = set("k", "a").cas();
            assertThat(cas(StoreMode.APPEND, "k", "b", cas + 1)).isEqualTo(StoreResult.EXISTS);
            assertThat(cas(StoreMode.APPEND, "k", "b", cas).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(value("k")).isEqualTo("ab");
        }

        @Test
        void explicitNewCasIsUsed() {
            StoreResult r = store.store(new StoreRequest(StoreMode.SET, Key.of("k"), b("v"), 0, 0, 0, 777_777, false));
            assertThat(r.cas()).isEqualTo(777_777);
            assertThat(store.peek(Key.of("k")).cas()).isEqualTo(777_777);
        }

        @Test
        void invalidateWithOlderCasStoresStaleKeepingTtl() {
            long old = put(StoreMode.SET, "k", "v1", 0, 100).cas();
            long current = set("k", "v2").cas();
            store.touch(Key.of("k"), 50);
            StoreResult r = store.store(new StoreRequest(StoreMode.SET, Key.of("k"), b("v3"), 4, 999, old, 0, true));
            assertThat(r.outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(r.cas()).isGreaterThan(current);
            Item item = store.get(Key.of("k"));
            assertThat(str(item)).isEqualTo("v3");
            assertThat(item.stale()).isTrue();
            assertThat(item.flags()).isEqualTo(4);
            assertThat(item.expiresAt()).isEqualTo(clock.epochSecond() + 50);
        }

        @Test
        void invalidateWithNewerCasFailsAndMatchingCasStoresFresh() {
            long cas = set("k", "v1").cas();
            assertThat(store.store(new StoreRequest(StoreMode.SET, Key.of("k"), b("x"), 0, 0, cas + 10, 0, true)))
                    .isEqualTo(StoreResult.EXISTS);
            StoreResult r = store.store(new StoreRequest(StoreMode.SET, Key.of("k"), b("x"), 0, 0, cas, 0, true));
            assertThat(r.outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(store.get(Key.of("k")).stale()).isFalse();
        }

        @Test
        void invalidateWithoutCasIsAPlainSet() {
            set("k", "v1");
            store.store(new StoreRequest(StoreMode.SET, Key.of("k"), b("v2"), 0, 0, 0, 0, true));
            assertThat(store.get(Key.of("k")).stale()).isFalse();
        }
    }

    @Nested
    class ArithmeticOps {

        Key k = Key.of("n");

        ArithmeticResult incr(long delta) {
            return store.arithmetic(Arithmetic.of(k, true, delta));
        }

        ArithmeticResult decr(long delta) {
            return store.arithmetic(Arithmetic.of(k, false, delta));
        }

        @Test
        void incrAndDecr() {
            set("n", "10");
            assertThat(incr(5).value()).isEqualTo(15);
            assertThat(value("n")).isEqualTo("15");
            assertThat(decr(3).value()).isEqualTo(12);
            assertThat(value("n")).isEqualTo("12");
        }

        @Test
        void missingIsNotFound() {
            assertThat(incr(1)).isEqualTo(ArithmeticResult.NOT_FOUND);
            assertThat(store.get(k)).isNull();
        }

        @Test
        void incrWrapsAt2To64() {
            set("n", "18446744073709551615");
            ArithmeticResult r = incr(2);
            assertThat(r.outcome()).isEqualTo(ArithmeticResult.Outcome.OK);
            assertThat(r.value()).isEqualTo(1);
            // written in place over the 20 digits, as Debian's memcached 1.6.18 answers the same requests
            assertThat(value("n")).isEqualTo("1" + " ".repeat(19));
        }

        @Test
        void twentyDigitMaxIsNumericAndOneMoreIsNot() {
            set("n", "18446744073709551614");
            ArithmeticResult r = incr(1);
            assertThat(Long.toUnsignedString(r.value())).isEqualTo("18446744073709551615");
            assertThat(value("n")).isEqualTo("18446744073709551615");
            set("n", "18446744073709551616");
            assertThat(incr(1)).isEqualTo(ArithmeticResult.NON_NUMERIC);
            set("n", "123456789012345678901");
            assertThat(incr(1)).isEqualTo(ArithmeticResult.NON_NUMERIC);
        }

        @Test
        void decrFloorsAtZeroWithUnsignedDelta() {
            set("n", "5");
            assertThat(decr(7).value()).isZero();
            set("n", "5");
            // -1 as unsigned is 2^64-1: far larger than 5, not a negative delta
            assertThat(decr(-1L).value()).isZero();
            assertThat(value("n")).isEqualTo("0");
        }

        /** Proves: a shorter result is written over the old number and padded with spaces, as memcached 1.6.18 does. */
        @Test
        void decrPadsInPlaceAsMemcached() {
            set("n", "100");
            assertThat(decr(1).value()).isEqualTo(99);
            assertThat(value("n")).isEqualTo("99 ");
            assertThat(incr(1).value()).isEqualTo(100);
            assertThat(value("n")).isEqualTo("100");
            assertThat(incr(900).value()).isEqualTo(1000);
            assertThat(value("n")).as("a longer number gets its own length").isEqualTo("1000");
        }

        @Test
        void nonNumericValues() {
            for (String bad : List.of("", "abc", "12a", "-1", "1.5", "1 2", " ")) {
                set("n", bad);
                assertThat(incr(1)).as("value '%s'", bad).isEqualTo(ArithmeticResult.NON_NUMERIC);
                assertThat(value("n")).isEqualTo(bad);
            }
        }

        @Test
        void whitespaceAroundDigitsIsAccepted() {
            set("n", "7  ");
            assertThat(incr(1).value()).isEqualTo(8);
            set("n", " 7\r\n");
            assertThat(incr(1).value()).isEqualTo(8);
        }

        @Test
        void keepsFlagsAndExpiryAndBumpsCas() {
            long cas = put(StoreMode.SET, "n", "1", 9, 60).cas();
            Item after = incr(1).item();
            assertThat(after.flags()).isEqualTo(9);
            assertThat(after.expiresAt()).isEqualTo(clock.epochSecond() + 60);
            assertThat(after.cas()).isGreaterThan(cas);
            assertThat(str(after)).isEqualTo("2");
        }

        @Test
        void compareCas() {
            long cas = set("n", "1").cas();
            assertThat(store.arithmetic(new Arithmetic(k, true, 1, cas + 1, false, 0, 0)))
                    .isEqualTo(ArithmeticResult.EXISTS);
            assertThat(store.arithmetic(new Arithmetic(k, true, 1, cas, false, 0, 0)).value()).isEqualTo(2);
        }

        @Test
        void autoVivifyCreatesWithInitialValueWithoutApplyingDelta() {
            ArithmeticResult r = store.arithmetic(new Arithmetic(k, true, 5, 0, true, 40, 30));
            assertThat(r.outcome()).isEqualTo(ArithmeticResult.Outcome.OK);
            assertThat(r.value()).isEqualTo(40);
            assertThat(str(r.item())).isEqualTo("40");
            assertThat(r.item().expiresAt()).isEqualTo(clock.epochSecond() + 30);
            assertThat(store.arithmetic(new Arithmetic(k, true, 5, 0, true, 40, 30)).value()).isEqualTo(45);
            clock.advanceSeconds(30);
            assertThat(store.get(k)).isNull();
        }
    }

    @Nested
    class Delete {

        @Test
        void deleteOutcomes() {
            assertThat(store.delete(Key.of("k"), 0, false)).isEqualTo(DeleteOutcome.NOT_FOUND);
            long cas = set("k", "v").cas();
            assertThat(store.delete(Key.of("k"), cas + 1, false)).isEqualTo(DeleteOutcome.EXISTS);
            assertThat(value("k")).isEqualTo("v");
            assertThat(store.delete(Key.of("k"), cas, false)).isEqualTo(DeleteOutcome.DELETED);
            assertThat(store.get(Key.of("k"))).isNull();
            assertThat(store.delete(Key.of("k"), 0, false)).isEqualTo(DeleteOutcome.NOT_FOUND);
        }

        @Test
        void deleteExpiredIsNotFound() {
            put(StoreMode.SET, "k", "v", 0, 1);
            clock.advanceSeconds(1);
            assertThat(store.delete(Key.of("k"), 0, false)).isEqualTo(DeleteOutcome.NOT_FOUND);
        }

        @Test
        void invalidateMarksStaleWithNewCas() {
            long cas = put(StoreMode.SET, "k", "v", 3, 100).cas();
            assertThat(store.delete(Key.of("k"), 0, true)).isEqualTo(DeleteOutcome.DELETED);
            Item item = store.get(Key.of("k"));
            assertThat(item).isNotNull();
            assertThat(item.stale()).isTrue();
            assertThat(item.cas()).isGreaterThan(cas);
            assertThat(str(item)).isEqualTo("v");
            assertThat(item.flags()).isEqualTo(3);
            assertThat(item.expiresAt()).isEqualTo(clock.epochSecond() + 100);
        }
    }

    @Nested
    class Ttl {

        @Test
        void zeroNeverExpires() {
            put(StoreMode.SET, "k", "v", 0, 0);
            clock.advanceSeconds(10 * THIRTY_DAYS);
            assertThat(value("k")).isEqualTo("v");
            assertThat(store.peek(Key.of("k")).ttlAt(store.nowSeconds())).isEqualTo(-1);
        }

        @Test
        void relativeUpToThirtyDays() {
            put(StoreMode.SET, "k", "v", 0, 10);
            clock.advanceSeconds(9);
            assertThat(value("k")).isEqualTo("v");
            clock.advanceMillis(999);
            assertThat(value("k")).isEqualTo("v");
            clock.advanceMillis(1);
            assertThat(value("k")).isNull();
            assertThat(store.peek(Key.of("k"))).isNull();

            put(StoreMode.SET, "m", "v", 0, THIRTY_DAYS);
            assertThat(store.peek(Key.of("m")).expiresAt()).isEqualTo(clock.epochSecond() + THIRTY_DAYS);
        }

        @Test
        void aboveThirtyDaysIsAbsolute() {
            long now = clock.epochSecond();
            put(StoreMode.SET, "future", "v", 0, now + 100);
            assertThat(store.peek(Key.of("future")).expiresAt()).isEqualTo(now + 100);
            clock.advanceSeconds(100);
            assertThat(value("future")).isNull();
        }

        @Test
        void absoluteInThePastIsExpiredAtOnce() {
            put(StoreMode.SET, "past", "v", 0, THIRTY_DAYS + 1);
            assertThat(value("past")).isNull();
            put(StoreMode.SET, "justPast", "v", 0, clock.epochSecond());
            assertThat(value("justPast")).isNull();
        }

        @Test
        void negativeExpiresAtOnceAndRemovesTheOldValue() {
            set("k", "old");
            assertThat(put(StoreMode.SET, "k", "new", 0, -1).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(value("k")).isNull();
            assertThat(store.stats().currItems()).isZero();
        }

        @Test
        void touchChangesExpiry() {
            put(StoreMode.SET, "k", "v", 0, 10);
            assertThat(store.touch(Key.of("k"), 100)).isTrue();
            clock.advanceSeconds(50);
            assertThat(value("k")).isEqualTo("v");
            assertThat(store.touch(Key.of("k"), -1)).isTrue();
            assertThat(value("k")).isNull();
            assertThat(store.touch(Key.of("k"), 10)).isFalse();
        }

        @Test
        void touchDoesNotRecordFetchButGatDoes() {
            set("k", "v");
            store.touch(Key.of("k"), 100);
            assertThat(store.peek(Key.of("k")).fetched()).isFalse();
            Item item = store.getAndTouch(Key.of("k"), 5);
            assertThat(item.fetched()).isTrue();
            assertThat(item.expiresAt()).isEqualTo(clock.epochSecond() + 5);
            clock.advanceSeconds(5);
            assertThat(store.getAndTouch(Key.of("k"), 100)).isNull();
        }

        @Test
        void peekDoesNotRecordRead() {
            set("k", "v");
            assertThat(store.peek(Key.of("k")).fetched()).isFalse();
            clock.advanceSeconds(3);
            store.get(Key.of("k"));
            Item item = store.peek(Key.of("k"));
            assertThat(item.fetched()).isTrue();
            assertThat(item.lastAccess()).isEqualTo(clock.epochSecond());
        }

        @Test
        void expiredItemsLeaveCountsAndAreReclaimed() {
            put(StoreMode.SET, "a", "v", 0, 10);
            put(StoreMode.SET, "b", "v", 0, 10);
            set("c", "v");
            store.get(Key.of("a"));
            assertThat(store.stats().currItems()).isEqualTo(3);
            clock.advanceSeconds(10);
            StoreStats stats = store.stats();
            assertThat(stats.currItems()).isEqualTo(1);
            assertThat(stats.bytes()).isEqualTo(Item.footprintOf(Key.of("c").length(), 1));
            assertThat(stats.reclaimed()).isEqualTo(2);
            assertThat(stats.expiredUnfetched()).isEqualTo(1);
            assertThat(store.indexSize()).isEqualTo(1);
        }
    }

    @Nested
    class Flush {

        @Test
        void immediateFlushHidesEverything() {
            set("a", "1");
            set("b", "2");
            store.flushAll(0);
            assertThat(store.get(Key.of("a"))).isNull();
            assertThat(store.peek(Key.of("b"))).isNull();
            assertThat(store.itemsFrom(null).hasNext()).isFalse();
            StoreStats stats = store.stats();
            assertThat(stats.currItems()).isZero();
            assertThat(stats.bytes()).isZero();
            assertThat(store.indexSize()).isZero();
        }

        @Test
        void storeInSameSecondAfterFlushIsVisible() {
            set("a", "1");
            clock.advanceMillis(300);
            store.flushAll(0);
            set("b", "2"); // same second as the flush
            assertThat(value("a")).isNull();
            assertThat(value("b")).isEqualTo("2");
            assertThat(put(StoreMode.ADD, "a", "again", 0, 0).outcome()).isEqualTo(StoreResult.Outcome.STORED);
            assertThat(value("a")).isEqualTo("again");
            assertThat(store.stats().currItems()).isEqualTo(2);
        }

        @Test
        void flushedItemsFailCasAndReplace() {
            long cas = set("a", "1").cas();
            store.flushAll(0);
            assertThat(cas(StoreMode.SET, "a", "2", cas)).isEqualTo(StoreResult.NOT_FOUND);
            assertThat(put(StoreMode.REPLACE, "a", "2", 0, 0)).isEqualTo(StoreResult.NOT_STORED);
            assertThat(store.arithmetic(Arithmetic.of(Key.of("a"), true, 1))).isEqualTo(ArithmeticResult.NOT_FOUND);
            assertThat(store.touch(Key.of("a"), 10)).isFalse();
        }

        @Test
        void delayedFlush() {
            set("early", "1");
            store.flushAll(10);
            clock.advanceSeconds(5);
            set("middle", "2");
            assertThat(value("early")).isEqualTo("1");
            assertThat(store.stats().currItems()).isEqualTo(2);
            clock.advanceSeconds(4);
            assertThat(value("early")).isEqualTo("1");
            clock.advanceSeconds(1); // flush time reached
            set("late", "3");
            assertThat(value("early")).isNull();
            assertThat(value("middle")).isNull();
            assertThat(value("late")).isEqualTo("3");
            List<String> keys = new ArrayList<>();
            store.itemsFrom(null).forEachRemaining(i -> keys.add(i.key().toString()));
            assertThat(keys).containsExactly("late");
            assertThat(store.stats().currItems()).isEqualTo(1);
        }

        @Test
        void laterFlushDoesNotResurrectItemsOfADueDelayedFlush() {
            set("a", "1");
            store.flushAll(5);
            clock.advanceSeconds(6);
            assertThat(value("a")).isNull();
            store.flushAll(100);
            assertThat(value("a")).isNull();
        }

        @Test
        void immediateFlushCancelsPendingDelayedFlush() {
            store.flushAll(100);
            clock.advanceSeconds(1);
            store.flushAll(0);
            clock.advanceSeconds(1);
            set("a", "1");
            clock.advanceSeconds(200);
            assertThat(value("a")).isEqualTo("1");
        }
    }

    @Nested
    class Ordering {

        List<String> keysFrom(Key from) {
            List<String> keys = new ArrayList<>();
            store.itemsFrom(from).forEachRemaining(i -> keys.add(i.key().toString()));
            return keys;
        }

        @Test
        void unsignedKeyOrder() {
            store.store(StoreRequest.of(StoreMode.SET, Key.wrap(new byte[] {(byte) 0xC3, (byte) 0xA9}), b("e"), 0, 0));
            for (String k : List.of("z", "a", "M", "ab", "0")) {
                set(k, k);
            }
            List<byte[]> raw = new ArrayList<>();
            store.itemsFrom(null).forEachRemaining(i -> raw.add(i.key().bytes()));
            assertThat(raw).hasSize(6);
            assertThat(raw.get(5)).containsExactly((byte) 0xC3, (byte) 0xA9);
            assertThat(keysFrom(null).subList(0, 5)).containsExactly("0", "M", "a", "ab", "z");
        }

        @Test
        void startsMidRangeInclusive() {
            for (String k : List.of("a", "b", "c", "d", "e")) {
                set(k, k);
            }
            assertThat(keysFrom(Key.of("c"))).containsExactly("c", "d", "e");
            assertThat(keysFrom(Key.of("bb"))).containsExactly("c", "d", "e");
            assertThat(keysFrom(Key.of("f"))).isEmpty();
        }

        @Test
        void skipsExpiredAndDoesNotRecordReads() {
            put(StoreMode.SET, "a", "v", 0, 5);
            set("b", "v");
            clock.advanceSeconds(5);
            Iterator<Item> it = store.itemsFrom(null);
            Item only = it.next();
            assertThat(only.key()).isEqualTo(Key.of("b"));
            assertThat(only.fetched()).isFalse();
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void statsCountStoresAndBytes() {
        set("a", "12345");
        set("a", "1");
        put(StoreMode.ADD, "a", "x", 0, 0); // not stored
        set("bb", "22");
        StoreStats stats = store.stats();
        assertThat(stats.totalItems()).isEqualTo(3);
        assertThat(stats.currItems()).isEqualTo(2);
        assertThat(stats.bytes()).isEqualTo(Item.footprintOf(1, 1) + Item.footprintOf(2, 2));
        assertThat(stats.limitMaxBytes()).isEqualTo(DataSize.ofMegabytes(8).toBytes());
        assertThat(stats.evictions()).isZero();
    }

    @Test
    void clockAndUptime() {
        assertThat(store.nowSeconds()).isEqualTo(clock.epochSecond());
        assertThat(store.uptimeSeconds()).isZero();
        clock.advanceSeconds(42);
        assertThat(store.uptimeSeconds()).isEqualTo(42);
    }

    @Nested
    class RuntimeChanges {

        /** Proves: memcached's get_flushed counts a read that found its item flushed, not a plain miss. */
        @Test
        void readsOfFlushedItemsAreCounted() {
            set("kept", "v");
            store.flushAll(0);
            assertThat(value("kept")).isNull();
            assertThat(value("never")).isNull();
            assertThat(store.stats().getFlushed()).isEqualTo(1);
        }

        /** Proves: cache_memlimit's maxMemory lowers the bound at once (evicting down to it) and raises it. */
        @Test
        void maxMemoryChangesTheBoundAtRunTime() {
            String value = "v".repeat(60 * 1024);
            for (int i = 0; i < 100; i++) {
                set("k" + i, value);
            }
            assertThat(store.stats().bytes()).isGreaterThan(DataSize.ofMegabytes(5).toBytes());
            store.maxMemory(DataSize.ofMegabytes(1).toBytes());
            StoreStats lowered = store.stats();
            assertThat(lowered.limitMaxBytes()).isEqualTo(DataSize.ofMegabytes(1).toBytes());
            assertThat(lowered.bytes()).isLessThanOrEqualTo(DataSize.ofMegabytes(1).toBytes());
            assertThat(lowered.evictions()).isPositive();
            store.maxMemory(DataSize.ofMegabytes(16).toBytes());
            for (int i = 0; i < 200; i++) {
                set("m" + i, value);
            }
            assertThat(store.stats().bytes()).isGreaterThan(DataSize.ofMegabytes(8).toBytes());
        }

        /** Proves: the bound may not go below the item size limit, so every storable item still fits. */
        @Test
        void maxMemoryBelowTheItemSizeIsRefused() {
            org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                    .isThrownBy(() -> store.maxMemory(DataSize.ofKilobytes(32).toBytes()));
            assertThat(store.stats().limitMaxBytes()).isEqualTo(DataSize.ofMegabytes(8).toBytes());
        }
    }
}
