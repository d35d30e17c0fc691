package io.spoolkv.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.counters.ThreadCounters;
import io.spoolkv.counters.ThreadCounters.Counter;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The in-memory {@link ItemStore}. A {@link ConcurrentHashMap} owns the items; every change to a
 * key runs in its {@code compute}, which locks the key's bin, and there the store keeps the
 * {@link SegmentedLru} (eviction order and the byte count) and a sorted index (key order for
 * dumps and scans) in step with the map. Eviction runs after the compute, never inside it: the
 * LRU hands out a victim under its own lock, then the victim leaves the map in a compute of its
 * own key. No thread ever holds the LRU lock while it waits for a key, so the two cannot deadlock.
 * Expired and flushed items are dropped lazily by the read that finds them, by the eviction that
 * reaches them, and by a sweep that {@link #stats()} starts on the sweep executor (the background pool in the
 * server), so that stats only reads counters.
 */
@Component
public class MemoryItemStore implements ItemStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MemoryItemStore.class);

    /** Items one step of the sweep looks at before it queues the next step, so other background work interleaves. */
    static final int SWEEP_STEP = 4096;
    /** The longest number incr/decr writes: 2^64 - 1 has 20 digits. */
    private static final int MAX_NUMBER_LENGTH = 20;

    private final Clock clock;
    private final long maxItemSize;
    private final long startMillis;
    private final ValueMemory values;
    private final DirectMemoryBudget budget;

    private final ConcurrentHashMap<Key, Item> map = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Key, IndexSlot> index = new ConcurrentSkipListMap<>();
    private final SegmentedLru lru;
    private final AtomicLong casCounter = new AtomicLong();
    private final AtomicReference<FlushHorizon> horizon = new AtomicReference<>(FlushHorizon.NONE);
    /** Set by "flush_all 0": flushed items still occupy the cache until the next sweep. */
    private final AtomicBoolean sweepPending = new AtomicBoolean();
    /** The store second of the last expiry sweep, so stats() sweeps at most once a second. */
    private final AtomicLong lastExpirySweep = new AtomicLong(Long.MIN_VALUE);
    /** A sweep is queued or running: other stats() callers neither wait for it nor start a second one. */
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Runs the sweep's steps: the background pool in the server, the caller's thread by default (tests). */
    private final Executor sweeps;

    /** The stats counters writes, evictions and lookups bump: per-thread cells, summed by stats(). */
    private final ThreadCounters counts = new ThreadCounters(7);
    private final Counter totalItems = counts.counter(0);
    private final Counter evictions = counts.counter(1);
    private final Counter evictedUnfetched = counts.counter(2);
    private final Counter expiredUnfetched = counts.counter(3);
    private final Counter reclaimed = counts.counter(4);
    private final Counter getExpired = counts.counter(5);
    private final Counter getFlushed = counts.counter(6);
    /** Writes refused because their value could not be allocated, even after evicting (memcached's outofmemory). */
    private final LongAdder outOfMemory = new LongAdder();
    private final SlabCounters slabCounters = new SlabCounters();
    /** Eviction listeners that threw; the eviction itself stands. */
    private final LongAdder listenerFailures = new LongAdder();

    private final EvictionListener evictionListener;

    public MemoryItemStore(StoreProperties properties, Clock clock) {
        this(properties, clock, EvictionListener.NONE);
    }

    /**
     * The server's store: sweeps run on the background pool, never on the event loop that asked for stats; the
     * bound stays within the direct memory the JVM may allocate (checked at startup by {@code budget}).
     */
    @Autowired
    public MemoryItemStore(StoreProperties properties, Clock clock, ObjectProvider<EvictionListener> evictionListener,
                           BackgroundExecutor background, DirectMemoryBudget budget) {
        this(properties, clock, evictionListener.getIfAvailable(() -> EvictionListener.NONE), ValueMemory.POOLED,
                background::execute, budget);
    }

    /** A store whose sweeps run on the thread that asks for stats. */
    public MemoryItemStore(StoreProperties properties, Clock clock, EvictionListener evictionListener) {
        this(properties, clock, evictionListener, ValueMemory.POOLED, Runnable::run, DirectMemoryBudget.UNLIMITED);
    }

    /** A store whose values come from {@code valueAllocator} (direct buffers); tests pass one that can fail. */
    public MemoryItemStore(StoreProperties properties, Clock clock, EvictionListener evictionListener,
                           ByteBufAllocator valueAllocator) {
        this(properties, clock, evictionListener, new ValueMemory(valueAllocator), Runnable::run,
                DirectMemoryBudget.UNLIMITED);
    }

    /** A store whose sweep steps run on {@code sweeps}. */
    public MemoryItemStore(StoreProperties properties, Clock clock, EvictionListener evictionListener,
                           Executor sweeps) {
        this(properties, clock, evictionListener, ValueMemory.POOLED, sweeps, DirectMemoryBudget.UNLIMITED);
    }

    private MemoryItemStore(StoreProperties properties, Clock clock, EvictionListener evictionListener,
                            ValueMemory values, Executor sweeps, DirectMemoryBudget budget) {
        this.clock = clock;
        this.budget = budget;
        this.values = values;
        this.sweeps = sweeps;
        this.evictionListener = evictionListener;
        this.maxItemSize = properties.maxItemSize().toBytes();
        this.startMillis = clock.millis();
        this.lru = new SegmentedLru(properties.maxMemory().toBytes(),
                new SlabClasses(Math.toIntExact(properties.slabChunkMax().toBytes())));
    }

    /**
     * Changes one key atomically: {@code change} gets the key's current item (null if none) and
     * returns the item to leave (the same one for no change, null to drop the key). The index and then
     * the LRU follow inside the same compute: the index first, because it allocates and may throw (out of
     * memory), and then nothing has moved yet. Eviction down to the bound follows only when a new item was
     * linked (a pure removal frees memory), and never takes that new item unless it is alone.
     */
    private void update(Key key, BiFunction<Key, Item, Item> change) {
        Item[] linked = new Item[1];
        Item[] left = new Item[1];
        map.compute(key, (k, old) -> {
            Item next = change.apply(k, old);
            if (next != old) {
                if (next == null) {
                    index.remove(k);
                } else {
                    lru.classify(next); // before the index publishes it to dumps
                    IndexSlot slot = old == null ? null : old.indexSlot;
                    if (slot == null) {
                        try {
                            slot = new IndexSlot(next);
                            index.put(k, slot);
                        } catch (Throwable t) {
                            // out of memory in the skip list: the compute aborts and the map keeps old; next was
                            // never published, so its (store's) reference goes back here
                            next.release();
                            throw t;
                        }
                    } else {
                        slot.item = next; // an overwrite: same place in the key order, no skip-list walk
                    }
                    next.indexSlot = slot;
                }
                if (old != null) {
                    lru.unlink(old);
                    left[0] = old;
                }
                if (next != null) {
                    lru.link(next);
                    linked[0] = next;
                }
            }
            return next;
        });
        if (left[0] != null) {
            // The store's reference goes back only once the map no longer hands the item out: released inside
            // the compute, lock-free readers would find it at 0 and spin on the retry until the compute returns.
            left[0].release();
        }
        if (linked[0] != null) {
            evictToBound(linked[0]);
        }
    }

    /** {@link #update} for a key that has an item; an absent key stays absent. */
    private void updateIfPresent(Key key, BiFunction<Key, Item, Item> change) {
        update(key, (k, old) -> old == null ? null : change.apply(k, old));
    }

    /**
     * Evicts LRU victims until the bytes held are within the bound, sparing {@code keep} (the item the
     * caller just linked; null for none). The listener hears each eviction after its compute returned, so
     * that a listener that throws cannot abort the removal half-way; its failure is counted and logged.
     */
    private void evictToBound(Item keep) {
        while (lru.overLimit() && evictOne(lru.pollVictim(keep)) >= 0) {
            // each round takes the LRU's next victim
        }
    }

    /**
     * After a value's allocation failed: frees at least the memory the value needs from the LRU's tail (at least
     * one item, never the key's own), as memcached evicts when its allocation fails, so the caller can try once
     * more. The pool may still refuse (the memory it lacks may be held outside the store); the caller then answers
     * out of memory.
     */
    private void freeFor(Key key, int valueLength, boolean combines) {
        Item spared = map.get(key); // memcached's tail pull skips the item the write holds
        // append/prepend allocate the combined value, not the request's part of it
        int length = combines && spared != null ? (int) Math.min(Integer.MAX_VALUE, (long) valueLength + spared.valueLength())
                : valueLength;
        long needed = Math.max(1, ValueMemory.allocatedBytes(length));
        long freed = 0;
        while (freed < needed) {
            long footprint = evictOne(lru.pollVictimForRoom(spared));
            if (footprint < 0) {
                break;
            }
            freed += footprint;
        }
        values.trimThreadCache(); // what was freed goes back to the arena, for any size class
    }

    /**
     * Takes {@code victim}, which the LRU just unlinked, out of the store; its footprint, or -1 for no victim. A
     * victim replaced meanwhile frees nothing here (its replacement is linked).
     */
    private long evictOne(Item victim) {
        if (victim == null) {
            return -1;
        }
        long now = nowSeconds();
        boolean[] evicted = { false };
        boolean[] removed = { false };
        map.computeIfPresent(victim.key(), (k, current) -> {
            if (current != victim) {
                return current; // replaced meanwhile: the replacement is linked, nothing to drop
            }
            try {
                index.remove(k);
            } catch (Throwable t) {
                lru.link(victim); // the victim stays, whole: map, index and LRU agree
                throw t;
            }
            if (live(victim, now)) {
                evictions.increment();
                if (!victim.fetched()) {
                    evictedUnfetched.increment();
                }
                slabCounters.evicted(victim, now);
                evicted[0] = true;
            } else {
                countReclaimed(victim); // memcached reclaims a dead tail item rather than evict
            }
            removed[0] = true;
            return null;
        });
        if (evicted[0]) {
            notifyEvicted(victim, now);
        }
        if (removed[0]) {
            victim.release(); // the store's reference, given back after the listener read the item
            return victim.footprint();
        }
        return 0;
    }

    private void notifyEvicted(Item victim, long now) {
        try {
            evictionListener.evicted(victim, now);
        } catch (Throwable t) {
            listenerFailures.increment();
            log.warn("eviction listener failed for an evicted item; the eviction stands", t);
        }
    }

    /** An expired or flushed item dropped by us (memcached counts both as reclaimed). */
    private void countReclaimed(Item item) {
        reclaimed.increment();
        if (!item.fetched()) {
            expiredUnfetched.increment();
        }
        slabCounters.reclaimed(item);
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
     * The live item to work on inside a compute, or null; a dead (expired or flushed) one is
     * counted as reclaimed here, because the compute is about to replace or drop it.
     */
    private Item liveOrReclaim(Item old, long now) {
        if (old == null || live(old, now)) {
            return old;
        }
        countDeadRead(old, now);
        countReclaimed(old);
        return null;
    }

    /**
     * memcached's get_flushed or get_expired: every lookup (do_item_get, which get, gat, touch, mg, incr,
     * delete and the stores use) that finds a dead item and drops it counts once; flush is checked first.
     */
    private void countDeadRead(Item dead, long now) {
        (horizon.get().flushed(dead, now) ? getFlushed : getExpired).increment();
    }

    /**
     * What a compute returns to store {@code next}: nothing when it is born expired (negative or
     * past exptime), so it never occupies memory or counts as an item (and its reference is given back).
     */
    private static Item keep(Item next, long now) {
        if (next.expiredAt(now)) {
            next.release();
            return null;
        }
        return next;
    }

    /** The key's item retained for a reader, or null; a lost race with its release looks the key up again. */
    private Item retained(Key key) {
        for (;;) {
            Item item = map.get(key);
            if (item == null || item.tryRetain()) {
                return item;
            }
        }
    }

    @Override
    public Item get(Key key) {
        Item item = retained(key);
        long now = nowSeconds();
        if (item == null) {
            return null;
        }
        if (!live(item, now)) {
            item.release(); // the reader's reference, taken by the lookup
            removeDead(key, item, true);
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
            // mg u (no bump) reads alike; only hit() records the access
            Item item = retained(key);
            long now = nowSeconds();
            if (item != null && !live(item, now)) {
                item.release();
                removeDead(key, item, true);
                item = null;
            }
            if (item != null && !tokenDue(item, request, now)) {
                return hit(item, request.bump(), now, false, item.tokenSent(), item.expiresAt());
            }
            if (item != null) {
                item.release(); // the token goes out under the key's lock, below
            }
            if (item == null && request.vivifyExptime() == null) {
                return ReadResult.MISS;
            }
        }
        ReadResult[] result = { ReadResult.MISS };
        update(key, (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                if (request.vivifyExptime() == null) {
                    return null;
                }
                // mg N: the first reader to miss creates an empty item and wins its recache
                Item created = new Item(k, ValueMemory.empty(), 0, Exptime.toExpiresAt(request.vivifyExptime(), now),
                        claimCas(0), now, false);
                created.markTokenSent();
                totalItems.increment();
                created.tryRetain(); // the reader's reference
                result[0] = new ReadResult(created, false, created.lastAccess(), true, true, false, 0);
                return keep(created, now);
            }
            Item next = request.touchExptime() == null ? cur
                    : cur.withExpiry(Exptime.toExpiresAt(request.touchExptime(), now));
            boolean sentBefore = next.tokenSent();
            boolean won = tokenDue(request.recacheBeforeTouch() ? cur : next, request, now);
            if (won) {
                next.markTokenSent();
            }
            next.tryRetain(); // the reader's reference, taken under the key's lock: it cannot fail
            result[0] = hit(next, request.bump(), now, won, sentBefore, cur.expiresAt());
            return next == cur ? cur : keep(next, now);
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

    /** A hit on an item retained for the reader: the access record as it was, then (unless mg u) the read recorded. */
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
        Item item = map.get(key);
        if (item == null) {
            return null;
        }
        if (!live(item, nowSeconds())) {
            removeDead(key, item, false);
            return null;
        }
        return item;
    }

    /**
     * Drops {@code dead} if it is still the key's item (lazy flush/expiry reclaim); true when this call
     * removed it, so that each dead item is counted by exactly one remover.
     *
     * @param read whether a client lookup found it (memcached's get_flushed/get_expired)
     */
    private boolean removeDead(Key key, Item dead, boolean read) {
        boolean[] removed = { false };
        updateIfPresent(key, (k, current) -> {
            if (current != dead) {
                return current;
            }
            if (read) {
                countDeadRead(dead, nowSeconds());
            }
            countReclaimed(dead);
            removed[0] = true;
            return null;
        });
        return removed[0];
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
        updateIfPresent(key, (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                return null;
            }
            Item copy = cur.withExpiry(Exptime.toExpiresAt(exptime, now));
            if (read) {
                copy.accessed(now);
                copy.tryRetain(); // the reader's reference
            } else {
                copy.touchedAt(now);
            }
            touched[0] = copy;
            return keep(copy, now);
        });
        return touched[0];
    }

    /**
     * A value the pool could not allocate: the LRU's tail makes room and the write runs once more; a second
     * refusal is counted and answered as memcached does: out of memory, except append and prepend, whose
     * combined value memcached fails to allocate as "not stored". The key's old value stays: which failed writes
     * drop it is each protocol's rule in memcached, so the protocol's executor applies it (CacheCommands).
     */
    @Override
    public StoreResult store(StoreRequest request) {
        if (request.value().length > maxItemSize) {
            return StoreResult.NOT_STORED;
        }
        StoreResult result = storeOnce(request);
        if (result.outcome() != StoreResult.Outcome.NO_MEMORY) {
            return result;
        }
        StoreMode mode = request.mode();
        freeFor(request.key(), request.value().length, mode == StoreMode.APPEND || mode == StoreMode.PREPEND);
        result = storeOnce(request);
        if (result.outcome() != StoreResult.Outcome.NO_MEMORY) {
            return result;
        }
        outOfMemory.increment();
        slabCounters.outOfMemory(lru.classOf(request.key().length(), request.value().length, request.flags()));
        if (mode == StoreMode.APPEND || mode == StoreMode.PREPEND) {
            return StoreResult.NOT_STORED;
        }
        return result;
    }

    /**
     * One attempt at a store. A new value is allocated before the key's compute (append and prepend, which
     * need the current value, allocate inside it, before anything changes), so a refused allocation leaves the
     * key as it was; the buffer goes back if the compute does not store it.
     */
    private StoreResult storeOnce(StoreRequest request) {
        StoreMode mode = request.mode();
        boolean combines = mode == StoreMode.APPEND || mode == StoreMode.PREPEND;
        ByteBuf[] fresh = { combines ? null : values.copyOf(request.value()) };
        if (!combines && fresh[0] == null) {
            return StoreResult.NO_MEMORY;
        }
        StoreResult[] result = { StoreResult.NOT_STORED };
        try {
            update(request.key(), (k, old) -> {
                long now = nowSeconds();
                Item cur = liveOrReclaim(old, now);
                Item next = decideStore(request, k, cur, now, fresh, result);
                if (next == null) {
                    return cur;
                }
                return keep(next, now);
            });
            if (result[0].outcome() == StoreResult.Outcome.STORED) {
                totalItems.increment(); // counted once the item is in: a compute that threw took no count
            }
        } finally {
            if (fresh[0] != null) {
                fresh[0].release(); // allocated for a write that did not store it
            }
        }
        return result[0];
    }

    /**
     * The item to store, or null with {@code result[0]} set when nothing is stored. The item takes the value in
     * {@code fresh[0]} (which is then cleared); append and prepend allocate theirs here.
     */
    private Item decideStore(StoreRequest request, Key key, Item cur, long now, ByteBuf[] fresh,
                             StoreResult[] result) {
        StoreMode mode = request.mode();
        boolean stale = false;
        // memcached 1.6.18: add ignores a CAS; append and prepend of a missing key are "not stored" before any CAS
        if ((mode == StoreMode.APPEND || mode == StoreMode.PREPEND) && cur == null) {
            return notStored(result);
        }
        if (request.compareCas() != 0 && mode != StoreMode.ADD) {
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
                if (cur == null || (long) cur.valueLength() + value.length > maxItemSize) {
                    return notStored(result);
                }
                flags = cur.flags();
                expiresAt = cur.expiresAt();
            }
        }
        if (stale) {
            expiresAt = cur.expiresAt(); // memcached keeps the TTL of the item it invalidates
        }
        // append/prepend read cur's value here, in the key's compute, where the store's reference keeps it
        ByteBuf stored = switch (mode) {
            case APPEND -> values.concat(cur.value(), Unpooled.wrappedBuffer(value));
            case PREPEND -> values.concat(Unpooled.wrappedBuffer(value), cur.value());
            default -> fresh[0];
        };
        if (stored == null) {
            result[0] = StoreResult.NO_MEMORY;
            return null;
        }
        fresh[0] = null;
        long cas = claimCas(request.newCas());
        result[0] = StoreResult.stored(cas);
        Item next = new Item(key, stored, flags, expiresAt, cas, now, stale);
        // a stale value stored over a stale item leaves the recache token where it was
        return stale ? next.inheritToken(cur) : next;
    }

    private static Item notStored(StoreResult[] result) {
        result[0] = StoreResult.NOT_STORED;
        return null;
    }

    /** As {@link #store}: a refused allocation makes room from the LRU's tail and runs once more, then fails. */
    @Override
    public ArithmeticResult arithmetic(Arithmetic request) {
        ArithmeticResult result = arithmeticOnce(request);
        if (result.outcome() == ArithmeticResult.Outcome.NO_MEMORY) {
            freeFor(request.key(), MAX_NUMBER_LENGTH, false);
            result = arithmeticOnce(request);
            if (result.outcome() == ArithmeticResult.Outcome.NO_MEMORY) {
                outOfMemory.increment();
                slabCounters.outOfMemory(lru.classOf(request.key().length(), MAX_NUMBER_LENGTH, 0));
            }
        }
        return result;
    }

    /** One attempt; the new number is allocated inside the key's compute (it needs the current value) before anything changes. */
    private ArithmeticResult arithmeticOnce(Arithmetic request) {
        ArithmeticResult[] result = { ArithmeticResult.NOT_FOUND };
        update(request.key(), (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                if (!request.autoVivify()) {
                    return null;
                }
                // ma N: create with J's initial value and return it as is (no delta applied)
                ByteBuf initial = values.copyOf(DecimalValue.format(request.initial()));
                if (initial == null) {
                    result[0] = ArithmeticResult.NO_MEMORY;
                    return null;
                }
                long cas = claimCas(0);
                Item created = new Item(k, initial, 0,
                        Exptime.toExpiresAt(request.vivifyExptime(), now), cas, now, false);
                totalItems.increment();
                result[0] = new ArithmeticResult(ArithmeticResult.Outcome.OK, request.initial(), created, true);
                return keep(created, now);
            }
            if (request.compareCas() != 0 && cur.cas() != request.compareCas()) {
                result[0] = ArithmeticResult.EXISTS;
                return cur;
            }
            Long value = DecimalValue.parse(cur.valueBytes()); // in the key's compute: the store's reference holds
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
            ByteBuf number = values.copyOf(DecimalValue.formatInPlace(updated, cur.valueLength()));
            if (number == null) {
                result[0] = ArithmeticResult.NO_MEMORY;
                return cur;
            }
            long cas = claimCas(0);
            long expiresAt = request.touchExptime() == null ? cur.expiresAt()
                    : Exptime.toExpiresAt(request.touchExptime(), now);
            Item next = new Item(k, number, cur.flags(), expiresAt, cas, now, cur.stale())
                    .inheritToken(cur);
            result[0] = new ArithmeticResult(ArithmeticResult.Outcome.OK, updated, next);
            return keep(next, now);
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
        updateIfPresent(request.key(), (k, old) -> {
            long now = nowSeconds();
            Item cur = liveOrReclaim(old, now);
            if (cur == null) {
                return null;
            }
            if (request.compareCas() && cur.cas() != request.cas()) {
                outcome[0] = DeleteOutcome.EXISTS;
                return cur;
            }
            outcome[0] = DeleteOutcome.DELETED;
            if (!request.invalidate() && !request.dropValue()) {
                return null;
            }
            Item next = cur;
            if (request.dropValue()) {
                // md x: the key stays, with an empty value, the given flags and TTL, and its CAS
                long exptime = request.newExptime() == null ? 0 : request.newExptime();
                next = new Item(k, ValueMemory.empty(), request.flags(), Exptime.toExpiresAt(exptime, now), cur.cas(), now, false);
            }
            if (request.invalidate()) {
                // md I: keep the item but mark it stale under a new CAS; the next reader wins
                long expiresAt = request.newExptime() == null || request.dropValue() ? next.expiresAt()
                        : Exptime.toExpiresAt(request.newExptime(), now);
                Item invalidated = next.invalidated(claimCas(0), expiresAt);
                if (next != cur) {
                    next.release(); // md x's emptied item, replaced by its invalidated copy before it was stored
                }
                next = invalidated;
            }
            return keep(next, now);
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
     * Starts a sweep of the index for the items a flush invalidated or that expired, so that counts and memory
     * reflect them (memcached's LRU crawler does this in the background): when a flush is due, or at most once a
     * second while some item has an expiry. Single flight: while one is queued or running, nothing more starts and
     * the caller reports what is held now. The walk itself runs on the sweep executor, never on the caller.
     */
    private void requestSweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        boolean started = false;
        boolean flushDue = false;
        try {
            long now = nowSeconds();
            flushDue = sweepPending.getAndSet(false) | horizon.get().delayedDue(now);
            long last = lastExpirySweep.get();
            boolean expiryDue = lru.itemsWithExpiry() > 0 && last != now && lastExpirySweep.compareAndSet(last, now);
            if (!flushDue && !expiryDue) {
                return;
            }
            FlushHorizon settled = flushDue ? horizon.updateAndGet(h -> h.settled(now)) : horizon.get();
            // execute(), not the admission of a new command: the single flight above keeps at most one step
            // queued, so the sweep cannot flood the pool's queue
            sweeps.execute(() -> sweepStep(null, now, settled, 0, 0));
            started = true;
        } catch (RejectedExecutionException e) {
            // the pool is shut down (or full): stats() still answers, and a flush's sweep waits for the next one
            if (flushDue) {
                sweepPending.set(true);
            }
            log.debug("sweep not started: {}", e.toString());
        } finally {
            if (!started) {
                sweeping.set(false);
            }
        }
    }

    /**
     * One bounded step of a sweep: up to {@link #SWEEP_STEP} items after {@code after} (null: from the first key);
     * then the next step is queued, or the sweep reports what it removed and ends.
     */
    private void sweepStep(Key after, long now, FlushHorizon settled, long checkedBefore, long removedBefore) {
        boolean queuedNext = false;
        try {
            Iterator<java.util.Map.Entry<Key, IndexSlot>> items =
                    (after == null ? index : index.tailMap(after, false)).entrySet().iterator();
            long checked = checkedBefore;
            long removed = removedBefore;
            Key last = null;
            for (int n = 0; n < SWEEP_STEP && items.hasNext(); n++) {
                var entry = items.next();
                last = entry.getKey();
                Item item = entry.getValue().item;
                checked++;
                if ((item.expiredAt(now) || settled.flushed(item, now)) && removeDead(last, item, false)) {
                    removed++;
                }
            }
            if (items.hasNext()) {
                Key from = last;
                long c = checked;
                long r = removed;
                sweeps.execute(() -> sweepStep(from, now, settled, c, r));
                queuedNext = true;
            } else {
                log.debug("expiry sweep: {} items checked, {} expired or flushed removed", checked, removed);
            }
        } finally {
            if (!queuedNext) {
                sweeping.set(false);
            }
        }
    }

    @Override
    public Iterator<Item> itemsFrom(Key from) {
        Iterator<IndexSlot> slots = (from == null ? index : index.tailMap(from, true)).values().iterator();
        Iterator<Item> items = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return slots.hasNext();
            }

            @Override
            public Item next() {
                return slots.next().item;
            }
        };
        return new KeyOrderIterator(items, item -> live(item, nowSeconds()));
    }

    @Override
    public long itemCount() {
        return map.mappingCount();
    }

    @Override
    public StoreStats stats() {
        requestSweep();
        return new StoreStats(
                map.mappingCount(),
                totalItems.sum(),
                lru.bytes(),
                lru.maxBytes(),
                evictions.sum(),
                expiredUnfetched.sum(),
                evictedUnfetched.sum(),
                reclaimed.sum(),
                getExpired.sum(),
                getFlushed.sum(),
                lru.hotItems(),
                lru.warmItems(),
                lru.coldItems(),
                outOfMemory.sum());
    }

    @Override
    public java.util.List<SlabClassStats> slabStats() {
        long[][] held = lru.classSnapshot();
        SlabClasses classes = lru.classes();
        java.util.List<SlabClassStats> out = new java.util.ArrayList<>(classes.largest());
        for (int id = 1; id <= classes.largest(); id++) {
            out.add(slabCounters.of(classes, id, held[id]));
        }
        return out;
    }

    @Override
    public SlabClasses slabClasses() {
        return lru.classes();
    }

    @Override
    public long mallocedBytes() {
        return lru.malloced();
    }

    @Override
    public long requestedBytes() {
        return lru.requestedBytes();
    }

    @Override
    public CrawlResult crawl() {
        // The index holds every stored item, expired and flushed ones too until a read, an eviction or a
        // sweep drops them: the walk sees them all, and counts only the removals it made itself.
        long checked = 0;
        long reclaims = 0;
        long now = nowSeconds();
        for (var entry : index.entrySet()) {
            Item item = entry.getValue().item;
            checked++;
            slabCounters.crawlerChecked(item);
            if (!live(item, now) && removeDead(entry.getKey(), item, false)) {
                reclaims++;
                slabCounters.crawlerReclaimed(item);
            }
        }
        return new CrawlResult(checked, reclaims);
    }

    @Override
    public long maxMemory() {
        return lru.maxBytes();
    }

    /** The LRU owns the bound, so that two concurrent changes cannot leave bound and segment shares apart. */
    @Override
    public boolean maxMemory(long bytes) {
        if (bytes < maxItemSize) {
            throw new IllegalArgumentException("max memory " + bytes + " below the item size limit " + maxItemSize);
        }
        if (!budget.fits(bytes)) {
            return false; // the pool would refuse values the store believes it has room for
        }
        lru.limit(bytes);
        evictToBound(null); // a lower bound evicts at once, on this thread
        return true;
    }

    @Override
    public long maxItemSize() {
        return maxItemSize;
    }

    /** Eviction listeners that threw (the evictions stood); for tests and logs. */
    long listenerFailures() {
        return listenerFailures.sum();
    }

    /**
     * Gives back the store's reference of every item (Spring calls it at shutdown), so the values' direct memory
     * returns to the pool; readers still holding items keep their values until they release them.
     */
    @PreDestroy
    @Override
    public void close() {
        // Whoever takes an item out of the map gives its reference back, so a compute racing this still releases
        // each item once. The ordered index is dropped whole, not key by key: removing 2,000,000 keys one at a
        // time from the skip list kept a loaded server's shutdown busy for minutes (past a pod's grace period).
        for (Key key : map.keySet()) {
            Item item = map.remove(key);
            if (item != null) {
                lru.unlink(item);
                item.release();
            }
        }
        index.clear();
    }

    /** What the item is charged against the bound; for tests. */
    long charge(Item item) {
        return lru.charge(item);
    }

    /** Number of keys in the sorted index; for consistency checks in tests. */
    int indexSize() {
        return index.size();
    }

    /** True when the index and the map hold exactly the same keys; for tests (not atomic). */
    boolean indexMatchesCache() {
        return index.keySet().equals(map.keySet());
    }

    /**
     * True when the index and the map agree; the name is the concurrency test's, from a store whose
     * expiry could leave the two apart for a moment (this one changes both in the same compute).
     */
    boolean indexMatchesCacheIgnoringExpired() {
        return indexMatchesCache();
    }

    /**
     * True when the LRU links exactly the items the map holds, each once (identity, not equality),
     * with consistent links and byte counts; for tests, at rest.
     */
    boolean lruMatchesMap() {
        java.util.List<Item> linked = lru.linkedItems();
        java.util.Set<Item> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        distinct.addAll(linked);
        java.util.Set<Item> held = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        held.addAll(map.values());
        return distinct.size() == linked.size() && distinct.equals(held);
    }

    /** What the LRU keeps per slab class as items come and go ({@link SegmentedLru#classSnapshot}); for tests. */
    long[][] slabCountsKept() {
        return lru.classSnapshot();
    }

    /**
     * The same per-class numbers recounted from the linked items, in {@link SegmentedLru#classSnapshot}'s layout
     * ([class][hot, warm, cold, mem_requested, chunks]); for tests, at rest.
     */
    long[][] slabCountsRecounted() {
        SlabClasses classes = lru.classes();
        long[][] out = new long[classes.largest() + 1][5];
        long[] chunks = new long[SlabClasses.MAX_CLASS_ID + 1];
        for (Item item : lru.linkedItems()) {
            out[item.slabClass][item.lruSegment - SegmentedLru.HOT]++;
            out[item.slabClass][3] += item.total();
            classes.chunks(item.key().length(), item.valueLength(), item.flags(), chunks, 1);
        }
        for (int id = 1; id <= classes.largest(); id++) {
            out[id][4] = chunks[id];
        }
        return out;
    }

    /** The LRU segment an item sits in ({@link SegmentedLru#NONE} once unlinked); for tests. */
    byte lruSegment(Key key) {
        Item item = map.get(key);
        return item == null ? SegmentedLru.NONE : lru.segmentOf(item);
    }
}
