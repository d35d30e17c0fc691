package io.spoolkv.command;

import java.util.concurrent.atomic.LongAdder;

/**
 * memcached's per-command counters, shared by every protocol. LongAdder because every event
 * loop bumps them on the hot path and only stats readers sum them.
 */
public final class CommandStats {

    final LongAdder cmdGet = new LongAdder();
    final LongAdder cmdSet = new LongAdder();
    final LongAdder cmdFlush = new LongAdder();
    final LongAdder cmdTouch = new LongAdder();
    final LongAdder cmdMeta = new LongAdder();
    final LongAdder getHits = new LongAdder();
    final LongAdder getMisses = new LongAdder();
    final LongAdder getExpired = new LongAdder();
    final LongAdder deleteHits = new LongAdder();
    final LongAdder deleteMisses = new LongAdder();
    final LongAdder incrHits = new LongAdder();
    final LongAdder incrMisses = new LongAdder();
    final LongAdder decrHits = new LongAdder();
    final LongAdder decrMisses = new LongAdder();
    final LongAdder casHits = new LongAdder();
    final LongAdder casMisses = new LongAdder();
    final LongAdder casBadval = new LongAdder();
    final LongAdder touchHits = new LongAdder();
    final LongAdder touchMisses = new LongAdder();
    final LongAdder storeTooLarge = new LongAdder();
    final LongAdder storeNoMemory = new LongAdder();

    public long cmdGet() { return cmdGet.sum(); }
    public long cmdSet() { return cmdSet.sum(); }
    public long cmdFlush() { return cmdFlush.sum(); }
    public long cmdTouch() { return cmdTouch.sum(); }
    public long cmdMeta() { return cmdMeta.sum(); }
    public long getHits() { return getHits.sum(); }
    public long getMisses() { return getMisses.sum(); }
    public long getExpired() { return getExpired.sum(); }
    public long deleteHits() { return deleteHits.sum(); }
    public long deleteMisses() { return deleteMisses.sum(); }
    public long incrHits() { return incrHits.sum(); }
    public long incrMisses() { return incrMisses.sum(); }
    public long decrHits() { return decrHits.sum(); }
    public long decrMisses() { return decrMisses.sum(); }
    public long casHits() { return casHits.sum(); }
    public long casMisses() { return casMisses.sum(); }
    public long casBadval() { return casBadval.sum(); }
    public long touchHits() { return touchHits.sum(); }
    public long touchMisses() { return touchMisses.sum(); }
    public long storeTooLarge() { return storeTooLarge.sum(); }
    public long storeNoMemory() { return storeNoMemory.sum(); }

}
