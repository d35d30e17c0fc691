package io.spoolkv.command;

import io.spoolkv.store.Item;
import io.spoolkv.store.SlabClasses;
import java.util.concurrent.atomic.AtomicLongArray;
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
    /** memcached's per-class command counters (stats slabs), one array per counter indexed by slab class id. */
    private final AtomicLongArray[] byClass = new AtomicLongArray[SlabCommand.values().length];

    /** The counters stats slabs reports for each class, in memcached's order and names. */
    public enum SlabCommand {
        GET_HITS("get_hits"), CMD_SET("cmd_set"), DELETE_HITS("delete_hits"), INCR_HITS("incr_hits"),
        DECR_HITS("decr_hits"), CAS_HITS("cas_hits"), CAS_BADVAL("cas_badval"), TOUCH_HITS("touch_hits");

        private final String stat;

        SlabCommand(String stat) {
            this.stat = stat;
        }

        public String stat() {
            return stat;
        }
    }

    public CommandStats() {
        for (int i = 0; i < byClass.length; i++) {
            byClass[i] = new AtomicLongArray(SlabClasses.MAX_CLASS_ID + 1);
        }
    }

    /** Counts {@code command} in {@code slabClass}. */
    void count(SlabCommand command, int slabClass) {
        byClass[command.ordinal()].incrementAndGet(slabClass);
    }

    /** Counts {@code command} in the item's class; null (no item: a miss) counts nothing. */
    void count(SlabCommand command, Item item) {
        if (item != null) {
            count(command, item.slabClass());
        }
    }

    /** {@code command}'s count in {@code slabClass} since start. */
    public long inClass(SlabCommand command, int slabClass) {
        return byClass[command.ordinal()].get(slabClass);
    }

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
