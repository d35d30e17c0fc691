package io.spoolkv.store;

/**
 * A key's place in the store's ordered index, holding the key's current item. An overwrite hands the slot from
 * the old item to the new one instead of putting the new item into the skip list: the key keeps its place in the
 * order, so a {@code set} of an existing key does not walk the skip list (that walk was the largest single cost of
 * a set in the get/set profile, docs/performance.md). Written only inside the key's compute; read by dumps, scans
 * and sweeps on any thread, hence volatile.
 */
final class IndexSlot {

    volatile Item item;

    IndexSlot(Item item) {
        this.item = item;
    }
}
