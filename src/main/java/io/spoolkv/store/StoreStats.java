package io.spoolkv.store;

/**
 * A snapshot of the store's counters, in memcached's terms.
 *
 * @param currItems live items
 * @param totalItems items stored since start
 * @param bytes bytes accounted for live items (keys, values and overhead)
 * @param limitMaxBytes the memory bound
 * @param evictions items removed to make room
 * @param expiredUnfetched items that expired without ever being read
 * @param evictedUnfetched items evicted without ever being read
 * @param reclaimed expired items whose memory was taken back
 * @param getExpired reads that found their item expired
 * @param getFlushed reads that found their item invalidated by flush_all
 * @param hotItems items in the segmented LRU's HOT list (memcached's number_hot)
 * @param warmItems items in WARM (number_warm)
 * @param coldItems items in COLD (number_cold)
 * @param outOfMemory writes refused because their value's memory could not be allocated, even after evicting
 *     (memcached's outofmemory)
 */
public record StoreStats(
        long currItems,
        long totalItems,
        long bytes,
        long limitMaxBytes,
        long evictions,
        long expiredUnfetched,
        long evictedUnfetched,
        long reclaimed,
        long getExpired,
        long getFlushed,
        long hotItems,
        long warmItems,
        long coldItems,
        long outOfMemory) {
}
