package io.spoolkv.store;

/**
 * One slab class as {@code stats items} and {@code stats slabs} report it: memcached's table for the class, what
 * the store holds in it, and its event counters (since start; {@code stats reset} subtracts a baseline).
 *
 * @param id class id
 * @param chunkSize memcached's chunk size for the class
 * @param perPage chunks per 1 MiB page
 * @param hot items of this class in the LRU's HOT list
 * @param warm items in WARM
 * @param cold items in COLD
 * @param requested the items' memcached totals (mem_requested)
 * @param usedChunks chunks memcached would hold the store's items in, in this class (chunked items' headers and
 *        value chunks counted in their own classes)
 * @param evicted live items evicted
 * @param evictedNonzero evicted items that had an expiry
 * @param evictedTime seconds the last evicted item had been idle
 * @param evictedUnfetched evicted items never read
 * @param reclaimed expired or flushed items taken back
 * @param expiredUnfetched reclaimed items never read
 * @param crawlerReclaimed items the lru_crawler removed
 * @param crawlerItemsChecked items the lru_crawler looked at
 * @param outOfMemory writes of an item of this class refused because its value could not be allocated
 */
public record SlabClassStats(
        int id,
        int chunkSize,
        int perPage,
        long hot,
        long warm,
        long cold,
        long requested,
        long usedChunks,
        long evicted,
        long evictedNonzero,
        long evictedTime,
        long evictedUnfetched,
        long reclaimed,
        long expiredUnfetched,
        long crawlerReclaimed,
        long crawlerItemsChecked,
        long outOfMemory) {

    /** Items held in the class. */
    public long number() {
        return hot + warm + cold;
    }

    /** Pages memcached would need for the used chunks (spoolkv has no pages: derived). */
    public long pages() {
        return (usedChunks + perPage - 1) / perPage;
    }
}
