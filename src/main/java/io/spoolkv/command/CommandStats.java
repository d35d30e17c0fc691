package io.spoolkv.command;

import io.spoolkv.counters.ThreadCounters;
import io.spoolkv.counters.ThreadCounters.Counter;
import io.spoolkv.store.Item;
import io.spoolkv.store.SlabClasses;
import java.util.Objects;

/**
 * memcached's per-command counters, shared by every protocol. Every event loop bumps them on the hot path and only
 * stats readers sum them, so they are per-thread cells ({@link ThreadCounters}), as memcached's per-worker stats.
 * "stats reset" never zeroes them: {@link StatsReporter} subtracts its baseline.
 */
public final class CommandStats {

    /** The general counters below, one field each; one more field than this fails at construction. */
    private static final int GENERAL = 21;
    private static final int CLASSES = SlabClasses.MAX_CLASS_ID + 1;

    /** The general counters, then one run of {@link #CLASSES} cells per {@link SlabCommand}. */
    private final ThreadCounters counts = new ThreadCounters(GENERAL + SlabCommand.values().length * CLASSES);
    private int nextGeneral;

    final Counter cmdGet = general();
    final Counter cmdSet = general();
    final Counter cmdFlush = general();
    final Counter cmdTouch = general();
    final Counter cmdMeta = general();
    final Counter getHits = general();
    final Counter getMisses = general();
    final Counter getExpired = general();
    final Counter deleteHits = general();
    final Counter deleteMisses = general();
    final Counter incrHits = general();
    final Counter incrMisses = general();
    final Counter decrHits = general();
    final Counter decrMisses = general();
    final Counter casHits = general();
    final Counter casMisses = general();
    final Counter casBadval = general();
    final Counter touchHits = general();
    final Counter touchMisses = general();
    final Counter storeTooLarge = general();
    final Counter storeNoMemory = general();

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

    private Counter general() {
        return counts.counter(Objects.checkIndex(nextGeneral++, GENERAL));
    }

    private static int cell(SlabCommand command, int slabClass) {
        return GENERAL + command.ordinal() * CLASSES + Objects.checkIndex(slabClass, CLASSES);
    }

    /** Counts {@code command} in {@code slabClass}. */
    void count(SlabCommand command, int slabClass) {
        counts.increment(cell(command, slabClass));
    }

    /** Counts {@code command} in the item's class; null (no item: a miss) counts nothing. */
    void count(SlabCommand command, Item item) {
        if (item != null) {
            count(command, item.slabClass());
        }
    }

    /** {@code command}'s count in {@code slabClass} since start. */
    public long inClass(SlabCommand command, int slabClass) {
        return counts.sum(cell(command, slabClass));
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
