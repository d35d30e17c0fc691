package io.spoolkv.store;

/**
 * memcached's exptime rules, turned into the absolute unix second an item stops being live. Kept
 * apart so that every command (set, touch, gat, ma N) applies exactly the same conversion.
 */
final class Exptime {

    /** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative, larger ones absolute. */
    static final long MAX_RELATIVE_SECONDS = 60L * 60 * 24 * 30;

    /** An expiresAt that {@link Item#expiredAt} sees as already past at any time (0 means never). */
    static final long ALREADY_EXPIRED = -1;

    private Exptime() {
    }

    /** The item's expiresAt for a client's {@code exptime} received at {@code now}: 0 for never. */
    static long toExpiresAt(long exptime, long now) {
        if (exptime == 0) {
            return 0;
        }
        if (exptime < 0) {
            return ALREADY_EXPIRED;
        }
        if (exptime > MAX_RELATIVE_SECONDS) {
            // absolute unix time; one in the past is simply already expired
            return exptime <= now ? ALREADY_EXPIRED : exptime;
        }
        return now + exptime;
    }
}
