package io.spoolkv.store;

/**
 * Hears every item the store evicts for memory (not expiries or deletes), for memcached's
 * {@code watch evictions}. Called on the thread whose write caused the eviction, after the item left
 * the map (outside the key's lock), so implementations must be cheap and must never block; if one throws,
 * the store counts and logs it and the eviction stands.
 */
public interface EvictionListener {

    /** {@code item} was evicted at {@code now} (unix seconds). */
    void evicted(Item item, long now);

    EvictionListener NONE = (item, now) -> { };
}
