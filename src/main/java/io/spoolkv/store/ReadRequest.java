package io.spoolkv.store;

/**
 * One meta read (mg) and the changes it makes, applied atomically for the key.
 *
 * @param key the key
 * @param bump record the read (last access, fetched, the eviction policy's access); false for mg u
 * @param touchExptime mg T: the new memcached exptime, or null to keep the item's
 * @param vivifyExptime mg N: on a miss create an empty item with this exptime, or null not to
 * @param recacheExptime mg R: hand out the recache token when the item's remaining TTL is below
 *                       this exptime, or null not to
 * @param recacheBeforeTouch R came before T on the line, so it compares with the TTL before T (memcached
 *                           applies the flags in the client's order)
 */
public record ReadRequest(Key key, boolean bump, Long touchExptime, Long vivifyExptime, Long recacheExptime,
                          boolean recacheBeforeTouch) {

    public ReadRequest(Key key, boolean bump, Long touchExptime, Long vivifyExptime, Long recacheExptime) {
        this(key, bump, touchExptime, vivifyExptime, recacheExptime, false);
    }

    public static ReadRequest plain(Key key) {
        return new ReadRequest(key, true, null, null, null);
    }
}
