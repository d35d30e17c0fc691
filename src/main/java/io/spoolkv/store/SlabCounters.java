package io.spoolkv.store;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The store's event counters by slab class (memcached's per-class itemstats): evictions, reclaims and the
 * crawler's work. Cheap: one atomic slot per class and counter, written only on evictions, reclaims and crawls.
 * The general counters (stats evictions, reclaimed...) stay the store's own; these split them by class.
 */
final class SlabCounters {

    private static final int SLOTS = SlabClasses.MAX_CLASS_ID + 1;

    private final AtomicLongArray evicted = new AtomicLongArray(SLOTS);
    private final AtomicLongArray evictedNonzero = new AtomicLongArray(SLOTS);
    private final AtomicLongArray evictedTime = new AtomicLongArray(SLOTS);
    private final AtomicLongArray evictedUnfetched = new AtomicLongArray(SLOTS);
    private final AtomicLongArray reclaimed = new AtomicLongArray(SLOTS);
    private final AtomicLongArray expiredUnfetched = new AtomicLongArray(SLOTS);
    private final AtomicLongArray crawlerReclaimed = new AtomicLongArray(SLOTS);
    private final AtomicLongArray crawlerItemsChecked = new AtomicLongArray(SLOTS);
    private final AtomicLongArray outOfMemory = new AtomicLongArray(SLOTS);

    /** An evicted live item: with an expiry it counts as evicted_nonzero; evicted_time is its idle time. */
    void evicted(Item item, long now) {
        int id = item.slabClass();
        evicted.incrementAndGet(id);
        if (item.expiresAt() != 0) {
            evictedNonzero.incrementAndGet(id);
        }
        if (!item.fetched()) {
            evictedUnfetched.incrementAndGet(id);
        }
        evictedTime.set(id, Math.max(0, now - item.lastAccess()));
    }

    /** An expired or flushed item taken back. */
    void reclaimed(Item item) {
        int id = item.slabClass();
        reclaimed.incrementAndGet(id);
        if (!item.fetched()) {
            expiredUnfetched.incrementAndGet(id);
        }
    }

    /** A write refused for want of memory, counted in the class its item would have had. */
    void outOfMemory(int id) {
        outOfMemory.incrementAndGet(id);
    }

    void crawlerChecked(Item item) {
        crawlerItemsChecked.incrementAndGet(item.slabClass());
    }

    void crawlerReclaimed(Item item) {
        crawlerReclaimed.incrementAndGet(item.slabClass());
    }

    /** The counters of one class, with the LRU's snapshot of that class ({@link SegmentedLru#classSnapshot}). */
    SlabClassStats of(SlabClasses classes, int id, long[] lru) {
        return new SlabClassStats(id, classes.chunkSize(id), classes.perPage(id), lru[0], lru[1], lru[2], lru[3],
                lru[4], evicted.get(id), evictedNonzero.get(id), evictedTime.get(id), evictedUnfetched.get(id),
                reclaimed.get(id), expiredUnfetched.get(id), crawlerReclaimed.get(id), crawlerItemsChecked.get(id),
                outOfMemory.get(id));
    }
}
