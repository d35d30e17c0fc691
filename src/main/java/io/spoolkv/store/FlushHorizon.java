package io.spoolkv.store;

/**
 * What flush_all invalidated, checked lazily on every read. Seconds alone cannot tell an item
 * stored just before "flush_all 0" from one stored just after it in the same second, so an
 * immediate flush also records the CAS counter: items with a CAS up to it are gone (memcached's
 * oldest_cas). A delayed flush invalidates items stored before its second once that second comes.
 *
 * @param immediateCas items with a CAS at or below this are flushed (0: no immediate flush yet)
 * @param immediateSecond items stored before this second are flushed (covers explicit ms E CAS)
 * @param delayedSecond a pending or past delayed flush: once now reaches it, items stored before
 *     it are flushed (0: none)
 */
record FlushHorizon(long immediateCas, long immediateSecond, long delayedSecond) {

    static final FlushHorizon NONE = new FlushHorizon(0, 0, 0);

    boolean flushed(Item item, long now) {
        if (item.cas() <= immediateCas || item.storedAt() < immediateSecond) {
            return true;
        }
        return delayedSecond != 0 && now >= delayedSecond && item.storedAt() < delayedSecond;
    }

    /** True when a delayed flush has come due, so a sweep can remove what it invalidated. */
    boolean delayedDue(long now) {
        return delayedSecond != 0 && now >= delayedSecond;
    }

    /**
     * The same horizon with a due delayed flush folded into {@code immediateSecond}, so that a
     * later flush_all replacing the delayed one cannot bring its victims back.
     */
    FlushHorizon settled(long now) {
        return delayedDue(now)
                ? new FlushHorizon(immediateCas, Math.max(immediateSecond, delayedSecond), 0)
                : this;
    }

    /** After "flush_all 0": everything stored so far is gone; a pending delayed flush is replaced. */
    FlushHorizon flushNow(long casSoFar, long now) {
        FlushHorizon base = settled(now);
        return new FlushHorizon(casSoFar, Math.max(base.immediateSecond, now), 0);
    }

    /** After "flush_all delay": items stored before now + delay go once that second comes. */
    FlushHorizon flushAt(long second, long now) {
        FlushHorizon base = settled(now);
        return new FlushHorizon(base.immediateCas, base.immediateSecond, second);
    }
}
