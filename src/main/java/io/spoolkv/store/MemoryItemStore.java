package io.spoolkv.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.spoolkv.config.StoreProperties;
import java.time.Clock;
import java.util.Iterator;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The in-memory {@link ItemStore}. Caffeine owns the items, the memory bound (weigher = item
 * footprint, size evictions) and expiry (a ticker on the store's Clock). A sorted index from key to
 * item sits beside it for range scans; it is changed only while Caffeine holds the key's lock: set
 * by every compute to the item it leaves (removed when it leaves none), or removed in the
 * synchronous eviction listener that Caffeine runs atomically with an eviction or expiry. Holding
 * the item, not just the key, lets a scan read items in key order without a hash lookup per key.
 */
@Component
public class MemoryItemStore implements ItemStore {

    /** The value of an item that mg N created or md x emptied. */
    private static final byte[] EMPTY = new byte[0];

    private final Clock clock;
    private final long maxItemSize;
    /** memcached -m; cache_memlimit changes it at run time. */
    private volatile long maxMemory;
    private final long startMillis;

    private final ConcurrentSkipListMap<Key, Item> index = new ConcurrentSkipListMap<>();
    private final AtomicLong casCounter = new AtomicLong();
    private final AtomicReference<FlushHorizon> horizon = new AtomicReference<>(FlushHorizon.NONE);
    /** Set by "flush_all 0": flushed items still occupy the cache until the next sweep. */
    private final AtomicBoolean sweepPending = new AtomicBoolean();

    private final LongAdder totalItems = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder evictedUnfetched = new LongAdder();
    private final LongAdder expiredUnfetched = new LongAdder();
    private final LongAdder reclaimed = new LongAdder();
    private final LongAdder getExpired = new LongAdder();
    private final LongAdder getFlushed = new LongAdder();
    /**
     * Set on a crawler's thread for the length of its pass: every reclaim that thread causes is the pass's,
     * including the expired items Caffeine reaps when the pass's lookups make it run its maintenance there.
     */
    private final ThreadLocal<long[]> crawlReclaims = new ThreadLocal<>();

    private final Cache<Key, Item> cache;
    private final ConcurrentMap<Key, Item> map;
    private final Policy.Eviction<Key, Item> eviction;

    private final EvictionListener evictionListener;

    public MemoryItemStore(StoreProperties properties, Clock clock) {
        this(properties, clock, EvictionListener.NONE);
    }

    @Autowired
    public MemoryItemStore(StoreProperties properties, Clock clock, ObjectProvider<EvictionListener> evictionListener) {
        this(properties, clock, evictionListener.getIfAvailable(() -> EvictionListener.NONE));
    }

    public MemoryItemStore(StoreProperties properties, Clock clock, EvictionListener evictionListener) {
        this.clock = clock;
        this.evictionListener = evictionListener;
        this.maxItemSize = properties.maxItemSize().toBytes();
        this.maxMemory = properties.maxMemory().toBytes();
        this.startMillis = clock.millis();
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxMemory)
                .weigher((Key key, Item item) -> item.footprint())
                .expireAfter(ClockExpiry.INSTANCE)
                .ticker(ClockExpiry.ticker(clock))
                // maintenance on the calling thread: the bound holds when the write returns
                .executor(Runnable::run)
                .evictionListener(this::onEviction)
                .build();
        this.map = cache.asMap();
        this.eviction = cache.policy().eviction().orElseThrow();
    }

    /** Runs inside Caffeine's lock for the key, atomically with the removal. */
    private void onEviction(Key key, Item item, RemovalCause cause) {
        if (key != null) {
            index.remove(key);
        }
        if (item == null) {
            return;
        }
        if (cause == RemovalCause.SIZE) {
            evictions.increment();
            if (!item.fetched()) {
                evictedUnfetched.increment();
            }
            evictionListener.evicted(item, nowSeconds());
        } else if (cause == RemovalCause.EXPIRED) {
            countReclaimed(item);
        }
    }

    /** An expired or flushed item dropped by us (memcached counts both as reclaimed). */
    private void countReclaimed(Item item) {
        reclaimed.increment();
        long[] pass = crawlReclaims.get();
        if (pass != null) {
            pass[0]++;
        }
        if (!item.fetched()) {
            expiredUnfetched.increment();
        }
    }

    @Override
    public long nowSeconds() {
        return Math.floorDiv(clock.millis(), 1000L);
    }

    @Override
    public long uptimeSeconds() {
        return Math.max(0, (clock.millis() - startMillis) / 1000L);
    }

    private boolean live(Item item, long now) {
        return item != null && !item.expiredAt(now) && !horizon.get().flushed(item, now);
    }

    /** Hands out the CAS of an item about to be stored (ms E gives its own). */
    private long claimCas(long explicitCas) {
        return explicitCas != 0 ? explicitCas : casCounter.incrementAndGet();
    }

    /**
     * What every compute returns: {@code item} (null to drop the key), mirrored into the index
     * while Caffeine still holds the key's lock.
     */
    private Item commit(Key key, Item item) {
        if (item == null) {
            index.remove(key);
        } else {
            index.put(key, item);
        }
        return item;
    }

    /**
     * The live item to work on inside a compute, or null; a dead (expired or flushed) one is
     * counted as reclaimed here, because the compute is about to replace or drop it.
     */
    private Item liveOrReclaim(Item old, long now) {
        if (old == null || live(old, now)) {
            return old;
        }
        countReclaimed(old);
        return null;
    }

    /** What a compute returns when it leaves the key as it found it (minus any dead item). */
    private Item unchanged(Key key, Item cur) {
        return commit(key, cur);
    }

    /**
     * What a compute returns to store {@code next}: nothing when it is born expired (negative or
     * past exptime), since Caffeine's timer wheel would otherwise count it for up to a second.
     */
    private Item keep(Key key, Item next, long now) {
        return commit(key, next.expiredAt(now) ? null : next);
    }

    @Override
    public Item get(Key key) {
        Item item = cache.getIfPresent(key);
        long now = nowSeconds();
        if (item == null) {
            return null;
        }
        if (!live(item, now)) {
            // memcached's get_flushed (and get_expired, though Caffeine usually hides an expired
            // item before this check sees it: such a read is a plain miss)
            (item.expiredAt(now) ? getExpired : getFlushed).increment();
            removeDead(key, item);
            return null;
        }
        item.accessed(now);
        return item;
    }

    @Override
    public ReadResult read(ReadRequest request) {
        Key key = request.key();
        if (request.touchExptime() == null) {
            // The common case reads without the key's lock: only a T, a vivify or a token to hand
            // out changes the item, and those go through compute below.
            Item item = request.bump() ? cache.getIfPresent(key) : cache.policy().getIfPresentQuietly(key);
            long now = nowSeconds();
            if (item != null && !live(item, now)) {
                removeDead(key, item);
                item = null;
            }
            if (item != null && !tokenDue(item, request, now)) {
                return hit(item, request.bump(), now, false, item.tokenSent(), item.expiresAt());
            }
            if (item == null && request.vivifyExptime() == null) {
                return ReadResult.MISS;
            }
        }
        ReadResult[] result = { ReadResult.MISS };
        map.compute(key, (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                if (request.vivifyExptime() == null) {
                    return unchanged(k, null);
                }
                // mg N: the first reader to miss creates an empty item and wins its recache
                Item created = new Item(k, EMPTY, 0, Exptime.toExpiresAt(request.vivifyExptime(), now),
                        claimCas(0), now, false);
                created.markTokenSent();
                totalItems.increment();
                result[0] = new ReadResult(created, false, created.lastAccess(), true, true, false, 0);
                return keep(k, created, now);
            }
            Item next = request.touchExptime() == null ? cur
                    : cur.withExpiry(Exptime.toExpiresAt(request.touchExptime(), now));
            boolean sentBefore = next.tokenSent();
            boolean won = tokenDue(request.recacheBeforeTouch() ? cur : next, request, now);
            if (won) {
                next.markTokenSent();
            }
            result[0] = hit(next, request.bump(), now, won, sentBefore, cur.expiresAt());
            return next == cur ? commit(k, cur) : keep(k, next, now);
        });
        return result[0];
    }

    /**
     * Whether a read wins the item's recache token: nobody holds it, and the item is stale or
     * (mg R) expires sooner than the reader's recache time.
     */
    private static boolean tokenDue(Item item, ReadRequest request, long now) {
        if (item.tokenSent()) {
            return false;
        }
        if (item.stale()) {
            return true;
        }
        Long recache = request.recacheExptime();
        return recache != null && item.expiresAt() != 0
                && item.expiresAt() < Exptime.toExpiresAt(recache, now);
    }

    /** A hit: the access record as it was, then (unless mg u) the read recorded. */
    private static ReadResult hit(Item item, boolean bump, long now, boolean won, boolean sentBefore,
                                  long expiresAtBefore) {
        boolean fetched = item.fetched();
        long lastAccess = item.lastAccess();
        if (bump) {
            item.accessed(now);
        }
        return new ReadResult(item, fetched, lastAccess, false, won, sentBefore, expiresAtBefore);
    }

    @Override
    public Item peek(Key key) {
        Item item = cache.policy().getIfPresentQuietly(key);
        if (item == null) {
            return null;
        }
        if (!live(item, nowSeconds())) {
            removeDead(key, item);
            return null;
        }
        return item;
    }

    /** Drops {@code dead} if it is still the key's item (lazy flush/expiry reclaim). */
    private void removeDead(Key key, Item dead) {
        map.computeIfPresent(key, (k, current) -> {
            if (current != dead) {
                return current;
            }
            countReclaimed(dead);
            index.remove(k);
            return null;
        });
    }

    @Override
    public Item getAndTouch(Key key, long exptime) {
        return retouch(key, exptime, true);
    }

    @Override
    public boolean touch(Key key, long exptime) {
        return retouch(key, exptime, false) != null;
    }

    /** Stores a copy with the new expiry, keeping the CAS (memcached does not bump it on touch). */
    private Item retouch(Key key, long exptime, boolean read) {
        Item[] touched = new Item[1];
        map.computeIfPresent(key, (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                return unchanged(k, null);
            }
            Item copy = cur.withExpiry(Exptime.toExpiresAt(exptime, now));
            if (read) {
                copy.accessed(now);
            } else {
                copy.touchedAt(now);
            }
            touched[0] = copy;
            return keep(k, copy, now);
        });
        return touched[0];
    }

    @Override
    public StoreResult store(StoreRequest request) {
        if (request.value().length > maxItemSize) {
            return StoreResult.NOT_STORED;
        }
        StoreResult[] result = { StoreResult.NOT_STORED };
        map.compute(request.key(), (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            Item next = decideStore(request, k, cur, now, result);
            if (next == null) {
                return unchanged(k, cur);
            }
            totalItems.increment();
            return keep(k, next, now);
        });
        return result[0];
    }

    /** The item to store, or null with {@code result[0]} set when nothing is stored. */
    private Item decideStore(StoreRequest request, Key key, Item cur, long now, StoreResult[] result) {
        StoreMode mode = request.mode();
        boolean stale = false;
        if (request.compareCas() != 0) {
            if (cur == null) {
                result[0] = StoreResult.NOT_FOUND;
                return null;
            }
            if (cur.cas() != request.compareCas()) {
                // ms I: a writer holding an older CAS may still store, but only as a stale value
                // (memcached does this for plain sets; append/prepend just fail)
                stale = request.invalidate()
                        && (mode == StoreMode.SET || mode == StoreMode.REPLACE)
                        && Long.compareUnsigned(request.compareCas(), cur.cas()) < 0;
                if (!stale) {
                    result[0] = StoreResult.EXISTS;
                    return null;
                }
            }
        }
        byte[] value = request.value();
        int flags = request.flags();
        long expiresAt = Exptime.toExpiresAt(request.exptime(), now);
        switch (mode) {
            case SET -> { }
            case ADD -> {
                if (cur != null) {
                    return notStored(result);
                }
            }
            case REPLACE -> {
                if (cur == null) {
                    return notStored(result);
                }
            }
            case APPEND, PREPEND -> {
                if (cur == null || (long) cur.value().length + value.length > maxItemSize) {
                    return notStored(result);
                }
                value = mode == StoreMode.APPEND ? concat(cur.value(), value) : concat(value, cur.value());
                flags = cur.flags();
                expiresAt = cur.expiresAt();
            }
        }
        if (stale) {
            expiresAt = cur.expiresAt(); // memcached keeps the TTL of the item it invalidates
        }
        long cas = claimCas(request.newCas());
        result[0] = StoreResult.stored(cas);
        Item next = new Item(key, value, flags, expiresAt, cas, now, stale);
        // a stale value stored over a stale item leaves the recache token where it was
        return stale ? next.inheritToken(cur) : next;
    }

    private static Item notStored(StoreResult[] result) {
        result[0] = StoreResult.NOT_STORED;
        return null;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Override
    public ArithmeticResult arithmetic(Arithmetic request) {
        ArithmeticResult[] result = { ArithmeticResult.NOT_FOUND };
        map.compute(request.key(), (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                if (!request.autoVivify()) {
                    return unchanged(k, null);
                }
                // ma N: create with J's initial value and return it as is (no delta applied)
                long cas = claimCas(0);
                Item created = new Item(k, DecimalValue.format(request.initial()), 0,
                        Exptime.toExpiresAt(request.vivifyExptime(), now), cas, now, false);
                totalItems.increment();
                result[0] = new ArithmeticResult(ArithmeticResult.Outcome.OK, request.initial(), created, true);
                return keep(k, created, now);
            }
            if (request.compareCas() != 0 && cur.cas() != request.compareCas()) {
                result[0] = ArithmeticResult.EXISTS;
                return cur;
            }
            Long value = DecimalValue.parse(cur.value());
            if (value == null) {
                result[0] = ArithmeticResult.NON_NUMERIC;
                return cur;
            }
            long delta = request.delta();
            long updated;
            if (request.increment()) {
                updated = value + delta; // wraps at 2^64, as memcached's uint64_t does
            } else {
                updated = Long.compareUnsigned(value, delta) < 0 ? 0 : value - delta;
            }
            long cas = claimCas(0);
            long expiresAt = request.touchExptime() == null ? cur.expiresAt()
                    : Exptime.toExpiresAt(request.touchExptime(), now);
            Item next = new Item(k, DecimalValue.formatInPlace(updated, cur.value().length), cur.flags(), expiresAt,
                    cas, now, cur.stale())
                    .inheritToken(cur);
            result[0] = new ArithmeticResult(ArithmeticResult.Outcome.OK, updated, next);
            return keep(k, next, now);
        });
        return result[0];
    }

    @Override
    public DeleteOutcome delete(Key key, long compareCas, boolean invalidate) {
        return delete(new DeleteRequest(key, compareCas != 0, compareCas, invalidate, null, false, 0));
    }

    @Override
    public DeleteOutcome delete(DeleteRequest request) {
        DeleteOutcome[] outcome = { DeleteOutcome.NOT_FOUND };
        map.computeIfPresent(request.key(), (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                return unchanged(k, null);
            }
            if (request.compareCas() && cur.cas() != request.cas()) {
                outcome[0] = DeleteOutcome.EXISTS;
                return cur;
            }
            outcome[0] = DeleteOutcome.DELETED;
            if (!request.invalidate() && !request.dropValue()) {
                return commit(k, null);
            }
            Item next = cur;
            if (request.dropValue()) {
                // md x: the key stays, with an empty value, the given flags and TTL, and its CAS
                long exptime = request.newExptime() == null ? 0 : request.newExptime();
                next = new Item(k, EMPTY, request.flags(), Exptime.toExpiresAt(exptime, now), cur.cas(), now, false);
            }
            if (request.invalidate()) {
                // md I: keep the item but mark it stale under a new CAS; the next reader wins
                long expiresAt = request.newExptime() == null || request.dropValue() ? next.expiresAt()
                        : Exptime.toExpiresAt(request.newExptime(), now);
                next = next.invalidated(claimCas(0), expiresAt);
            }
            return keep(k, next, now);
        });
        return outcome[0];
    }

    @Override
    public void flushAll(long delaySeconds) {
        long now = nowSeconds();
        if (delaySeconds <= 0) {
            horizon.updateAndGet(h -> h.flushNow(casCounter.get(), now));
            sweepPending.set(true);
        } else {
            horizon.updateAndGet(h -> h.flushAt(now + delaySeconds, now));
        }
    }

    /**
     * Removes the items a flush invalidated, so that counts and memory reflect it. O(items), so it
     * runs from stats() rather than from flush_all itself; reads already skip flushed items.
     */
    private void sweepFlushed() {
        long now = nowSeconds();
        boolean due = horizon.get().delayedDue(now);
        if (!sweepPending.getAndSet(false) && !due) {
            return;
        }
        FlushHorizon settled = horizon.updateAndGet(h -> h.settled(now));
        index.forEach((key, item) -> {
            if (settled.flushed(item, now)) {
                removeDead(key, item);
            }
        });
    }

    @Override
    public Iterator<Item> itemsFrom(Key from) {
        Iterator<Item> items = (from == null ? index : index.tailMap(from, true)).values().iterator();
        return new KeyOrderIterator(items, item -> live(item, nowSeconds()));
    }

    @Override
    public StoreStats stats() {
        sweepFlushed();
        cache.cleanUp(); // drains pending writes and reclaims expired items before counting
        return new StoreStats(
                cache.estimatedSize(),
                totalItems.sum(),
                eviction.weightedSize().orElse(0),
                maxMemory,
                evictions.sum(),
                expiredUnfetched.sum(),
                evictedUnfetched.sum(),
                reclaimed.sum(),
                getExpired.sum(),
                getFlushed.sum());
    }

    @Override
    public CrawlResult crawl() {
        long[] reclaims = {0};
        long checked;
        crawlReclaims.set(reclaims);
        try {
            // First the expired items Caffeine has due (it hides them, so a walk could not remove them itself):
            // reaped here, on this thread, each one checked and reclaimed by this pass.
            cache.cleanUp();
            checked = reclaims[0];
            // Then the walk: the index still holds flushed items until they are swept.
            long now = nowSeconds();
            for (var entry : index.entrySet()) {
                checked++;
                if (!live(entry.getValue(), now)) {
                    removeDead(entry.getKey(), entry.getValue());
                }
            }
        } finally {
            crawlReclaims.remove();
        }
        return new CrawlResult(checked, reclaims[0]);
    }

    @Override
    public long maxMemory() {
        return maxMemory;
    }

    @Override
    public void maxMemory(long bytes) {
        if (bytes < maxItemSize) {
            throw new IllegalArgumentException("max memory " + bytes + " below the item size limit " + maxItemSize);
        }
        maxMemory = bytes;
        eviction.setMaximum(bytes); // evicts down to the new bound on this thread
    }

    @Override
    public long maxItemSize() {
        return maxItemSize;
    }

    /** Number of keys in the sorted index; for consistency checks in tests. */
    int indexSize() {
        return index.size();
    }

    /** True when the index and the cache hold exactly the same keys; for tests (not atomic). */
    boolean indexMatchesCache() {
        cache.cleanUp();
        return index.keySet().equals(map.keySet());
    }

    /**
     * True when every live cache key is indexed and every indexed key is either in the cache or
     * expired but not yet reaped (Caffeine's timer wheel runs up to about a second late).
     */
    boolean indexMatchesCacheIgnoringExpired() {
        cache.cleanUp();
        if (!index.keySet().containsAll(map.keySet())) {
            return false;
        }
        for (Key key : index.keySet()) {
            if (!map.containsKey(key)
                    && cache.policy().expireVariably().orElseThrow().getExpiresAfter(key).isPresent()) {
                return false;
            }
        }
        return true;
    }
}
