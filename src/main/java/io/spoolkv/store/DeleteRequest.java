package io.spoolkv.store;

/**
 * A meta delete (md), applied atomically for the key.
 *
 * @param key the key
 * @param compareCas md C: the item's CAS must equal {@code cas}; C0 compares too, and fails
 * @param cas the CAS to compare with
 * @param invalidate md I: keep the item, mark it stale under a new CAS and take its recache token back
 * @param newExptime md T: with I or x, the item's new memcached exptime; null keeps it (I) or means 0 (x)
 * @param dropValue md x: keep the item with an empty value, flags {@code flags} and its CAS
 * @param flags md F: the client flags the emptied item gets with x
 */
public record DeleteRequest(Key key, boolean compareCas, long cas, boolean invalidate, Long newExptime,
                            boolean dropValue, int flags) {

    /** A plain delete, as the classic delete command does. */
    public static DeleteRequest of(Key key) {
        return new DeleteRequest(key, false, 0, false, null, false, 0);
    }
}
