package io.spoolkv.store;

import java.util.Iterator;

/**
 * The cache's items: bounded in memory, with memcached's expiry, CAS and flush rules. Every
 * method is safe to call from any thread; operations on one key are atomic.
 *
 * <p>The reads that serve a value ({@link #get}, {@link #getAndTouch}, {@link #read}) hand out an item retained
 * for the caller, who must {@link Item#release()} it when done with its value (see {@link Item}). Every other
 * item handed out ({@link #peek}, {@link #itemsFrom}, results of writes) is for its metadata only.
 */
public interface ItemStore {

    /** The live item retained for the caller, recording the read; null when absent, expired or flushed. */
    Item get(Key key);

    /** The live item without recording a read (for me, dumps); null when absent, expired or flushed. */
    Item peek(Key key);

    /**
     * A meta read (mg) with its side effects (touch, vivify on miss, recache token, no bump), done
     * atomically for the key; {@link ReadResult#MISS} when absent and not vivified. A hit's item is retained for
     * the caller.
     */
    ReadResult read(ReadRequest request);

    /**
     * Sets a new expiry (memcached exptime rules) and returns the item retained for the caller, recording the
     * read; null when absent.
     */
    Item getAndTouch(Key key, long exptime);

    /** Sets a new expiry (memcached exptime rules); false when absent. */
    boolean touch(Key key, long exptime);

    StoreResult store(StoreRequest request);

    ArithmeticResult arithmetic(Arithmetic request);

    /**
     * Deletes the item.
     *
     * @param compareCas 0 for none, else the item's CAS must equal it
     * @param invalidate md I: mark the item stale instead of removing it
     */
    DeleteOutcome delete(Key key, long compareCas, boolean invalidate);

    /** A meta delete (md: C, I, T, x), done atomically for the key. */
    DeleteOutcome delete(DeleteRequest request);

    /** Invalidates every item stored up to {@code delaySeconds} from now (memcached flush_all). */
    void flushAll(long delaySeconds);

    /**
     * Live items in unsigned key order from {@code from} (inclusive; null for the first key).
     * Weakly consistent: it never fails while the store changes, sees each key at most once,
     * and may or may not see changes made after it was created. Reads are not recorded.
     */
    Iterator<Item> itemsFrom(Key from);

    /**
     * The counters, read without walking the store; when a flush or expiries are due it starts a sweep of the dead
     * items elsewhere (the background pool in the server) and does not wait for it.
     */
    StoreStats stats();

    /**
     * Items held, in O(1), without starting the sweep {@link #stats()} may start: expired or flushed items not
     * reclaimed yet are counted too, so it can overstate the live count.
     */
    default long itemCount() {
        return stats().currItems();
    }

    /**
     * Changes the memory bound at run time (memcached cache_memlimit); a lower bound evicts at once.
     *
     * @return false, with nothing changed, when the bound and the spool's budget would not fit the JVM's direct
     *     memory limit ({@link DirectMemoryBudget})
     * @throws IllegalArgumentException below {@link #maxItemSize()}: every storable item must fit
     */
    boolean maxMemory(long bytes);

    /** The memory bound (memcached -m, or the last cache_memlimit). */
    long maxMemory();

    /**
     * One pass of memcached's LRU crawler: looks at every item the store holds, live or not, and removes the
     * expired and flushed ones it finds (those count as reclaimed too). Items the store already dropped on its
     * own are not seen. Runs on the caller's thread, for as long as the pass takes.
     */
    CrawlResult crawl();

    /**
     * Every slab class of {@link #slabClasses()}, in id order (1 first), with what the store holds in it and its
     * counters since start; memcached's per-class {@code stats items} and {@code stats slabs}.
     */
    java.util.List<SlabClassStats> slabStats();

    /** memcached's slab class table the store reports items in. */
    SlabClasses slabClasses();

    /** stats slabs' total_malloced: the most bytes held since the bound was last lowered, at most the bound. */
    long mallocedBytes();

    /**
     * stats' bytes, as memcached counts it: the live items' totals (the sum of stats items' mem_requested), not
     * what they are charged against the bound ({@link StoreStats#bytes}).
     */
    long requestedBytes();

    /** The largest value accepted (memcached -I). */
    long maxItemSize();

    /** The store's notion of now, in unix seconds (the clock tests can move). */
    long nowSeconds();

    /** Seconds since the store started (memcached "uptime"). */
    long uptimeSeconds();
}
