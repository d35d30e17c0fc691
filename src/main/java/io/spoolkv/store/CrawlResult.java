package io.spoolkv.store;

/**
 * What one pass of the LRU crawler did (memcached's crawler_items_checked and crawler_reclaimed).
 *
 * @param checked items the pass looked at, live or not
 * @param reclaimed expired or flushed items the pass removed
 */
public record CrawlResult(long checked, long reclaimed) {
}
