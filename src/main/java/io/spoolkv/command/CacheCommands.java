package io.spoolkv.command;

import io.spoolkv.command.CommandStats.SlabCommand;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.CrawlResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.DeleteRequest;
import io.spoolkv.store.Item;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.ReadResult;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import io.spoolkv.store.StoreStats;
import java.util.Iterator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The cache's commands, independent of any wire protocol: every codec (text, meta, binary)
 * decodes into these calls and encodes their answers. Counting here keeps memcached's stats
 * identical whichever protocol a client speaks.
 */
@Component
public class CacheCommands {

    private static final long THIRTY_DAYS = 60L * 60 * 24 * 30;

    private final ItemStore store;
    private final CommandStats stats = new CommandStats();
    private final PrefixStats prefixes = new PrefixStats();
    private final MutationListener mutations;

    @Autowired
    public CacheCommands(ItemStore store, ObjectProvider<MutationListener> mutations) {
        this(store, mutations.getIfAvailable(() -> MutationListener.NONE));
    }

    public CacheCommands(ItemStore store, MutationListener mutations) {
        this.store = store;
        this.mutations = mutations;
    }

    /** The store itself, for the stats reporter in this package only: protocols go through the commands below. */
    ItemStore store() {
        return store;
    }

    /** The counters, read-only outside this package (stats, metrics). */
    public CommandStats stats() {
        return stats;
    }

    /** The store's counters (items, bytes, evictions), for stats readers. */
    public StoreStats storeStats() {
        return store.stats();
    }

    /** Items held, O(1), possibly counting expired ones not reclaimed yet (range-scan sampling). */
    public long itemCount() {
        return store.itemCount();
    }

    /** The store's notion of now, in unix seconds (TTLs shown to clients are relative to it). */
    public long nowSeconds() {
        return store.nowSeconds();
    }

    /** The largest value the store accepts (memcached -I). */
    public long maxItemSize() {
        return store.maxItemSize();
    }

    /** cache_memlimit: a new memory bound, evicting at once when lower; false when the direct memory cannot hold it. */
    public boolean maxMemory(long bytes) {
        return store.maxMemory(bytes);
    }

    /**
     * stats detail: the classic gets, sets and deletes of both protocols (not the meta commands) record into it
     * here, once per command, as memcached's do.
     */
    public PrefixStats prefixStats() {
        return prefixes;
    }

    /**
     * A classic retrieval of one key (get, gets: counted in stats detail, so not for mg); null on a miss; the
     * caller releases the item it gets.
     */
    public Item get(int clientId, Key key) {
        stats.cmdGet.increment();
        Item item = store.get(key);
        return classicGetCounted(clientId, key, item);
    }

    /** A retrieval that also sets a new expiry (gat, gats, mg T); the caller releases the item it gets. */
    public Item getAndTouch(int clientId, Key key, long exptime) {
        stats.cmdGet.increment();
        stats.cmdTouch.increment();
        Item item = store.getAndTouch(key, exptime);
        (item != null ? stats.touchHits : stats.touchMisses).increment();
        stats.count(SlabCommand.TOUCH_HITS, item);
        return classicGetCounted(clientId, key, item);
    }

    /**
     * A meta read (mg) with its touch, vivify and recache-token effects, done by the store in one
     * step and counted once, as memcached counts it: with T as a touch, else as a get.
     */
    public ReadResult metaGet(int clientId, ReadRequest request) {
        stats.cmdMeta.increment();
        ReadResult result = store.read(request);
        boolean hit = result.item() != null;
        if (request.touchExptime() != null) {
            stats.cmdTouch.increment();
            (hit ? stats.touchHits : stats.touchMisses).increment();
            stats.count(SlabCommand.TOUCH_HITS, result.item());
        } else {
            stats.cmdGet.increment();
            (hit ? stats.getHits : stats.getMisses).increment();
            stats.count(SlabCommand.GET_HITS, result.item());
        }
        // the lookup missed when the read created the item, and memcached logs it so
        try {
            mutations.fetched(clientId, request.key(), result.created() ? null : result.item());
        } catch (Throwable t) {
            releaseHandedOut(result.item());
            throw t;
        }
        return result;
    }

    /**
     * Gives back the reference a read handed out when the bookkeeping after it (the watch log, stats detail)
     * failed: the caller never gets the item, so nobody else would. Null (a miss) holds nothing.
     */
    public static void releaseHandedOut(Item item) {
        if (item != null) {
            item.release();
        }
    }

    /**
     * Counts a classic retrieval (hits, the watch log, stats detail) and returns the item; if the bookkeeping fails
     * the item's reference goes back first, as the caller never receives it.
     */
    private Item classicGetCounted(int clientId, Key key, Item item) {
        try {
            countGet(clientId, key, item);
            prefixes.get(key, item != null);
        } catch (Throwable t) {
            releaseHandedOut(item);
            throw t;
        }
        return item;
    }

    private void countGet(int clientId, Key key, Item item) {
        (item != null ? stats.getHits : stats.getMisses).increment();
        stats.count(SlabCommand.GET_HITS, item);
        mutations.fetched(clientId, key, item);
    }

    /** A classic store (text set/add/replace/append/prepend, binary SET and its kin), counted in stats detail. */
    public StoreResult store(int clientId, StoreRequest request) {
        StoreResult result = storeItem(clientId, request);
        prefixes.set(request.key());
        return result;
    }

    private StoreResult storeItem(int clientId, StoreRequest request) {
        countSet(request);
        if (mutations.watchingFetches()) {
            // memcached's store looks the key up first, and watch fetchers sees that lookup
            mutations.fetched(clientId, request.key(), store.peek(request.key()));
        }
        StoreResult result = store.store(request);
        countStore(clientId, request, result);
        return result;
    }

    /**
     * A store that must compare CAS (text cas, ms C on set or replace), even with unique 0: no item
     * has CAS 0, so that never stores (EXISTS when the key is live, NOT_FOUND when not), while the
     * store itself reads 0 as "no CAS".
     */
    public StoreResult compareAndStore(int clientId, StoreRequest request) {
        StoreResult result = compareAndStoreItem(clientId, request);
        prefixes.set(request.key());
        return result;
    }

    private StoreResult compareAndStoreItem(int clientId, StoreRequest request) {
        return request.compareCas() != 0 ? storeItem(clientId, request) : storeComparingZero(clientId, request);
    }

    /**
     * A meta store (ms), counted as a meta command and as a set (not in stats detail); {@code compare} as in
     * {@link #compareAndStore}.
     */
    public StoreResult metaSet(int clientId, StoreRequest request, boolean compare) {
        stats.cmdMeta.increment();
        return compare ? compareAndStoreItem(clientId, request) : storeItem(clientId, request);
    }

    /**
     * A store refused before it reached the store because its value is too large, for every protocol: memcached
     * unlinks the key's old value so a stale one does not outlive the failed write ({@code unlink} null when the
     * command keeps it: which commands unlink is each protocol's rule in memcached, so its caller decides), and
     * counts store_too_large only for its text and meta protocols ({@code counted}), not for its binary one.
     */
    public void refuseTooLarge(Key unlink, boolean counted) {
        if (counted) {
            stats.storeTooLarge.increment();
        }
        if (unlink != null) {
            store.delete(unlink, 0, false);
        }
    }

    /**
     * A store the store refused because its value's memory could not be allocated even after evicting
     * ({@link StoreResult.Outcome#NO_MEMORY}): as {@link #refuseTooLarge}, memcached unlinks the key's old value
     * for the commands its protocol names ({@code unlink}, null to keep it) and counts store_no_memory only for
     * its text and meta protocols ({@code counted}).
     */
    public void refuseNoMemory(Key unlink, boolean counted) {
        if (counted) {
            stats.storeNoMemory.increment();
        }
        if (unlink != null) {
            unlink(unlink);
        }
    }

    /** A store refused for another reason than size that still drops the key's old value. */
    public void unlink(Key key) {
        store.delete(key, 0, false);
    }

    private StoreResult storeComparingZero(int clientId, StoreRequest request) {
        countSet(request);
        Item present = store.peek(request.key());
        StoreResult result = present != null ? StoreResult.EXISTS : StoreResult.NOT_FOUND;
        (result == StoreResult.EXISTS ? stats.casBadval : stats.casMisses).increment();
        stats.count(SlabCommand.CAS_BADVAL, present);
        mutations.stored(clientId, request, result, requestClass(request));
        return result;
    }

    /** cmd_set, in total and in the class of the item the request stores (memcached counts the new item's). */
    private void countSet(StoreRequest request) {
        stats.cmdSet.increment();
        stats.count(SlabCommand.CMD_SET, requestClass(request));
    }

    /**
     * The slab class of the item a store request writes. memcached counts cas_hits and cas_badval in the replaced
     * item's class; the store does not hand that item back, and a CAS swap usually keeps the value's size class.
     */
    private int requestClass(StoreRequest request) {
        return store.slabClasses().itemClass(request.key().length(), request.value().length, request.flags());
    }

    private void countStore(int clientId, StoreRequest request, StoreResult result) {
        // memcached counts cas_* only for a compare-and-swap (a set or replace with a CAS), not for append/prepend
        boolean swap = request.mode() == StoreMode.SET || request.mode() == StoreMode.REPLACE;
        if (request.compareCas() != 0 && swap) {
            switch (result.outcome()) {
                case STORED -> {
                    stats.casHits.increment();
                    stats.count(SlabCommand.CAS_HITS, requestClass(request));
                }
                case EXISTS -> {
                    stats.casBadval.increment();
                    stats.count(SlabCommand.CAS_BADVAL, requestClass(request));
                }
                case NOT_FOUND -> stats.casMisses.increment();
                default -> { }
            }
        }
        mutations.stored(clientId, request, result, requestClass(request));
    }

    /** A meta arithmetic (ma), counted as a meta command; touch and vivify happen in the same store step. */
    public ArithmeticResult metaArithmetic(Arithmetic request) {
        stats.cmdMeta.increment();
        return arithmetic(request);
    }

    public ArithmeticResult arithmetic(Arithmetic request) {
        ArithmeticResult result = store.arithmetic(request);
        if (result.created()) {
            return result; // ma N on a miss: memcached counts neither a hit nor a miss
        }
        boolean hit = result.outcome() == ArithmeticResult.Outcome.OK
                || result.outcome() == ArithmeticResult.Outcome.NON_NUMERIC;
        if (request.increment()) {
            (hit ? stats.incrHits : stats.incrMisses).increment();
            stats.count(SlabCommand.INCR_HITS, result.item()); // null for NON_NUMERIC, which memcached does not count
        } else {
            (hit ? stats.decrHits : stats.decrMisses).increment();
            stats.count(SlabCommand.DECR_HITS, result.item());
        }
        return result;
    }

    /** A classic delete (text delete, binary DELETE), counted in stats detail whatever its outcome. */
    public DeleteOutcome delete(Key key, long compareCas, boolean invalidate) {
        Item deleting = store.peek(key); // the store answers an outcome only: its class for delete_hits
        DeleteOutcome outcome = store.delete(key, compareCas, invalidate);
        switch (outcome) {
            case DELETED -> {
                stats.deleteHits.increment();
                stats.count(SlabCommand.DELETE_HITS, deleting);
            }
            case NOT_FOUND -> stats.deleteMisses.increment();
            case EXISTS -> { } // memcached counts a delete refused for its CAS neither as a hit nor as a miss
        }
        prefixes.delete(key);
        return outcome;
    }

    /** A meta delete (md); memcached counts a hit only when the item goes, a miss on NF and EX. */
    public DeleteOutcome metaDelete(DeleteRequest request) {
        stats.cmdMeta.increment();
        Item deleting = store.peek(request.key()); // the store answers an outcome only: its class for delete_hits
        DeleteOutcome outcome = store.delete(request);
        if (outcome != DeleteOutcome.DELETED) {
            stats.deleteMisses.increment();
        } else if (!request.invalidate() && !request.dropValue()) {
            stats.deleteHits.increment();
            stats.count(SlabCommand.DELETE_HITS, deleting);
        }
        return outcome;
    }

    /**
     * A touch that answers with the item (binary TOUCH returns its flags): counted as a touch only, as memcached
     * counts it; null on a miss. The item is for its metadata only: no reference is held for its value.
     */
    public Item touchItem(Key key, long exptime) {
        Item item = touched(key, exptime);
        prefixes.get(key, item != null); // memcached's stats detail counts a binary touch as a get
        if (item != null) {
            item.release(); // the store's read handed one out; the flags and CAS need none
        }
        return item;
    }

    /**
     * Binary GAT: memcached counts it as a touch only (no cmd_get, get_hits or get_misses, unlike text gat), and
     * logs the fetch for watchers as any retrieval; null on a miss. The caller releases the item it gets.
     */
    public Item touchAndGet(int clientId, Key key, long exptime) {
        Item item = touched(key, exptime);
        try {
            mutations.fetched(clientId, key, item);
            prefixes.get(key, item != null);
        } catch (Throwable t) {
            releaseHandedOut(item);
            throw t;
        }
        return item;
    }

    /** A touch counted as one, returning the item retained for the caller. */
    private Item touched(Key key, long exptime) {
        stats.cmdTouch.increment();
        Item item = store.getAndTouch(key, exptime);
        (item != null ? stats.touchHits : stats.touchMisses).increment();
        stats.count(SlabCommand.TOUCH_HITS, item);
        return item;
    }

    public boolean touch(Key key, long exptime) {
        stats.cmdTouch.increment();
        boolean found = store.touch(key, exptime);
        (found ? stats.touchHits : stats.touchMisses).increment();
        if (found) {
            stats.count(SlabCommand.TOUCH_HITS, store.peek(key)); // the store answers found only: its class
        }
        return found;
    }

    /**
     * flush_all with memcached's delay rule for every protocol: a delay over 30 days is a unix time,
     * one already past means now.
     */
    public void flushAll(long delaySeconds) {
        stats.cmdFlush.increment();
        long delay = delaySeconds > THIRTY_DAYS ? Math.max(0, delaySeconds - store.nowSeconds()) : delaySeconds;
        store.flushAll(delay);
    }

    /** An item's metadata without counting a fetch. */
    public Item peek(Key key) {
        return store.peek(key);
    }

    /** A meta debug (me): the item's metadata without recording a read, counted as a meta command. */
    public Item metaDebug(Key key) {
        stats.cmdMeta.increment();
        return store.peek(key);
    }

    /** Live items in key order from {@code from} (null: the first), weakly consistent, reads not recorded (dumps). */
    public Iterator<Item> itemsFrom(Key from) {
        return store.itemsFrom(from);
    }

    /** One pass of the lru_crawler: reclaims the expired and flushed items the store still holds, and counts them. */
    public CrawlResult crawl() {
        return store.crawl();
    }

    /** A meta no-op (mn), counted as a meta command as memcached does. */
    public void metaNoop() {
        stats.cmdMeta.increment();
    }
}
