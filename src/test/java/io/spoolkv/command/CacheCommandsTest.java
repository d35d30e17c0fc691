package io.spoolkv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The rules and counters that live in the command layer, so that every protocol gets them the same way: over the
 * real store on a test clock.
 */
class CacheCommandsTest {

    private final MutableClock clock = MutableClock.atDefaultStart();
    private final MemoryItemStore store =
            new MemoryItemStore(new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), clock);
    private final CacheCommands commands = new CacheCommands(store, MutationListener.NONE);

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close(); // frees the values, for the leak check
    }

    private static Key key(String k) {
        return Key.of(k);
    }

    private StoreResult set(String k, String v) {
        return commands.store(1, StoreRequest.of(StoreMode.SET, key(k), v.getBytes(StandardCharsets.US_ASCII), 0, 0));
    }

    /** A meta get with T is one operation: counted once as a meta command and once as a touch, never as a get. */
    @Test
    void aMetaGetWithTouchIsCountedOnce() {
        set("k", "v");
        commands.metaGet(1, new ReadRequest(key("k"), true, 100L, null, null, false)).item().release();
        CommandStats c = commands.stats();
        assertThat(c.cmdMeta()).isEqualTo(1);
        assertThat(c.cmdTouch()).isEqualTo(1);
        assertThat(c.touchHits()).isEqualTo(1);
        assertThat(c.cmdGet()).isZero();
    }

    /** A compare with unique 0 never stores (no item has CAS 0): EXISTS on a live key, NOT_FOUND otherwise. */
    @Test
    void compareAndStoreWithUniqueZeroNeverStores() {
        set("live", "v");
        StoreRequest zero = new StoreRequest(StoreMode.SET, key("live"), new byte[] {'x'}, 0, 0, 0, 0, false);
        assertThat(commands.compareAndStore(1, zero)).isEqualTo(StoreResult.EXISTS);
        io.spoolkv.store.Item live = store.get(key("live"));
        try {
            assertThat(live.valueBytes()).isEqualTo(new byte[] {'v'});
        } finally {
            live.release();
        }
        StoreRequest absent = new StoreRequest(StoreMode.SET, key("absent"), new byte[] {'x'}, 0, 0, 0, 0, false);
        assertThat(commands.compareAndStore(1, absent)).isEqualTo(StoreResult.NOT_FOUND);
        assertThat(store.peek(key("absent"))).isNull();
        assertThat(commands.stats().casBadval()).isEqualTo(1);
        assertThat(commands.stats().casMisses()).isEqualTo(1);
        assertThat(commands.stats().cmdSet()).isEqualTo(3);
    }

    private StoreResult withCas(StoreMode mode, String k, long cas) {
        return commands.store(1, new StoreRequest(mode, key(k), new byte[] {'x'}, 0, 0, cas, 0, false));
    }

    /**
     * One CAS rule per mode, as memcached 1.6.18 answers it (checked against the real binary, text, meta and binary):
     * append/prepend of a missing key is "not stored" whatever the CAS, and compare only when it exists; add
     * ignores a CAS; only a set or replace with a CAS counts cas_misses/cas_badval/cas_hits.
     */
    @Test
    void eachModeHasMemcachedsCasRule() {
        assertThat(withCas(StoreMode.APPEND, "missing", 5)).isEqualTo(StoreResult.NOT_STORED);
        assertThat(withCas(StoreMode.PREPEND, "missing", 5)).isEqualTo(StoreResult.NOT_STORED);
        long cas = set("k", "v").cas();
        assertThat(withCas(StoreMode.APPEND, "k", cas + 100)).isEqualTo(StoreResult.EXISTS);
        assertThat(withCas(StoreMode.APPEND, "k", cas).outcome()).isEqualTo(StoreResult.Outcome.STORED);
        assertThat(withCas(StoreMode.ADD, "k", 5)).as("add of a live key").isEqualTo(StoreResult.NOT_STORED);
        assertThat(withCas(StoreMode.ADD, "fresh", 5).outcome()).as("add ignores the CAS")
                .isEqualTo(StoreResult.Outcome.STORED);
        CommandStats counted = commands.stats();
        assertThat(counted.casMisses() + counted.casBadval() + counted.casHits()).as("no CAS counted yet").isZero();
        assertThat(withCas(StoreMode.REPLACE, "none", 5)).isEqualTo(StoreResult.NOT_FOUND);
        assertThat(withCas(StoreMode.REPLACE, "k", 1)).isEqualTo(StoreResult.EXISTS);
        assertThat(commands.stats().casMisses()).isEqualTo(1);
        assertThat(commands.stats().casBadval()).isEqualTo(1);
    }

    /** flush_all's delay over 30 days is a unix time, for every protocol. */
    @Test
    void aFlushDelayOverThirtyDaysIsAUnixTime() {
        set("k", "v");
        commands.flushAll(clock.epochSecond() + 10);
        clock.advanceSeconds(5);
        assertThat(store.peek(key("k"))).as("not flushed before the time").isNotNull();
        clock.advanceSeconds(6);
        assertThat(store.peek(key("k"))).as("flushed after it").isNull();
        set("k2", "v");
        commands.flushAll(clock.epochSecond() - 100); // a time already past means now
        assertThat(store.peek(key("k2"))).isNull();
        assertThat(commands.stats().cmdFlush()).isEqualTo(2);
    }

    /**
     * A value refused for its size is counted where the protocol counts it (text, meta: yes; binary: no), and a
     * set's refusal drops the key's old value in both.
     */
    @Test
    void aTooLargeValueIsCountedAndUnlinksTheOldValue() {
        set("k", "old");
        commands.refuseTooLarge(key("k"), true);
        assertThat(store.peek(key("k"))).isNull();
        assertThat(commands.stats().storeTooLarge()).isEqualTo(1);
        set("kept", "old");
        commands.refuseTooLarge(null, true);
        assertThat(store.peek(key("kept"))).isNotNull();
        assertThat(commands.stats().storeTooLarge()).isEqualTo(2);
        set("binary", "old");
        commands.refuseTooLarge(key("binary"), false);
        assertThat(store.peek(key("binary"))).as("a binary SET's refusal unlinks too").isNull();
        assertThat(commands.stats().storeTooLarge()).as("binary counts no store_too_large").isEqualTo(2);
    }

    /** Binary TOUCH returns the item and counts a touch only. */
    @Test
    void touchItemCountsATouchOnly() {
        set("k", "v");
        assertThat(commands.touchItem(key("k"), 50)).isNotNull();
        assertThat(commands.touchItem(key("none"), 50)).isNull();
        assertThat(commands.stats().cmdTouch()).isEqualTo(2);
        assertThat(commands.stats().touchHits()).isEqualTo(1);
        assertThat(commands.stats().touchMisses()).isEqualTo(1);
        assertThat(commands.stats().cmdGet()).isZero();
    }
}
