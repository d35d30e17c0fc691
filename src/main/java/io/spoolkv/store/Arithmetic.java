package io.spoolkv.store;

/**
 * An incr/decr (or ma) request. Values are unsigned 64-bit: incr wraps, decr stops at 0.
 *
 * @param key the key
 * @param increment true for incr, false for decr
 * @param delta unsigned 64-bit amount
 * @param compareCas 0 for none; otherwise the item's CAS must equal it
 * @param autoVivify create the item with {@code initial} when it is missing (ma N)
 * @param initial the value of a created item (ma J)
 * @param vivifyExptime memcached expiry of a created item (ma N)
 * @param touchExptime ma T: the new memcached expiry of an existing item it changes, or null to keep it
 */
public record Arithmetic(
        Key key,
        boolean increment,
        long delta,
        long compareCas,
        boolean autoVivify,
        long initial,
        long vivifyExptime,
        Long touchExptime) {

    public Arithmetic(Key key, boolean increment, long delta, long compareCas, boolean autoVivify, long initial,
                      long vivifyExptime) {
        this(key, increment, delta, compareCas, autoVivify, initial, vivifyExptime, null);
    }

    public static Arithmetic of(Key key, boolean increment, long delta) {
        return new Arithmetic(key, increment, delta, 0, false, 0, 0);
    }
}
