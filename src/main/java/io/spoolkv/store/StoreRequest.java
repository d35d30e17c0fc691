package io.spoolkv.store;

/**
 * One storage operation, shared by every protocol.
 *
 * @param mode set, add, replace, append or prepend
 * @param key the key
 * @param value the data; ownership passes to the store
 * @param flags 32-bit client flags (stored as an int, read back unsigned)
 * @param exptime memcached expiry as sent by the client: 0 never, up to 30 days relative, else unix time, negative expired
 * @param compareCas 0 for none; otherwise the item's CAS must equal it (cas, ms C)
 * @param newCas 0 to generate the next CAS; otherwise the CAS to give the item (ms E)
 * @param invalidate ms I: a CAS mismatch against a newer item marks the stored item stale instead of failing
 */
public record StoreRequest(
        StoreMode mode,
        Key key,
        byte[] value,
        int flags,
        long exptime,
        long compareCas,
        long newCas,
        boolean invalidate) {

    public static StoreRequest of(StoreMode mode, Key key, byte[] value, int flags, long exptime) {
        return new StoreRequest(mode, key, value, flags, exptime, 0, 0, false);
    }
}
