package io.spoolkv.store;

/**
 * Hears every item the store evicts for memory (not expiries or deletes), for memcached's
 * {@code watch evictions}. Called inside the store's lock for the key, on the thread whose write
 * caused the eviction, so implementations must be cheap and must never block or call the store.
 */
public interface EvictionListener {

    /** {@code item} was evicted at {@code now} (unix seconds). */
    void evicted(Item item, long now);

    EvictionListener NONE = (item, now) -> { };
}
