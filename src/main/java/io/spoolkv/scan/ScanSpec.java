package io.spoolkv.scan;

import io.spoolkv.store.Key;

/**
 * What a RangeScanCreate asked for, checked: either a key range or a random sample.
 *
 * @param start first key of the range (null for a sample: the whole store)
 * @param startExclusive the range starts after {@code start}
 * @param end last key of the range (null for a sample)
 * @param endExclusive the range stops before {@code end}
 * @param keyOnly answer keys only, not documents
 * @param samples for a sample, how many keys; 0 for a range
 * @param seed for a sample, the seed of its pseudo-random choice
 */
public record ScanSpec(Key start, boolean startExclusive, Key end, boolean endExclusive, boolean keyOnly,
                       long samples, long seed) {

    public boolean sampling() {
        return samples > 0;
    }

    /** Whether {@code key} is past the range's end (never for a sample). */
    boolean pastEnd(Key key) {
        if (end == null) {
            return false;
        }
        int c = key.compareTo(end);
        return endExclusive ? c >= 0 : c > 0;
    }

    /** Whether {@code key} is before the range's start (the store's iterator starts at {@code start} inclusive). */
    boolean beforeStart(Key key) {
        return start != null && startExclusive && key.compareTo(start) == 0;
    }
}
