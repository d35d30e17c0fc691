package io.spoolkv.store;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Walks the sorted key index and yields the live item behind each key, skipping keys whose item
 * vanished, expired or was flushed meanwhile. The index iterator is weakly consistent and yields
 * each key once, so this never fails and never repeats a key.
 */
final class KeyOrderIterator implements Iterator<Item> {

    private final Iterator<Key> keys;
    private final Function<Key, Item> liveItem;
    private Item next;

    /** @param liveItem the live item for a key without recording a read, or null */
    KeyOrderIterator(Iterator<Key> keys, Function<Key, Item> liveItem) {
        this.keys = keys;
        this.liveItem = liveItem;
    }

    @Override
    public boolean hasNext() {
        while (next == null && keys.hasNext()) {
            next = liveItem.apply(keys.next());
        }
        return next != null;
    }

    @Override
    public Item next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Item item = next;
        next = null;
        return item;
    }
}
