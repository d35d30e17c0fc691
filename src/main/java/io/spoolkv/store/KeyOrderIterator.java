package io.spoolkv.store;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * Walks the sorted index's items and yields the live ones, skipping items that expired or were
 * flushed. The index iterator is weakly consistent and yields each key once, so this never fails
 * and never repeats a key.
 */
final class KeyOrderIterator implements Iterator<Item> {

    private final Iterator<Item> items;
    private final Predicate<Item> live;
    private Item next;

    KeyOrderIterator(Iterator<Item> items, Predicate<Item> live) {
        this.items = items;
        this.live = live;
    }

    @Override
    public boolean hasNext() {
        while (next == null && items.hasNext()) {
            Item candidate = items.next();
            if (live.test(candidate)) {
                next = candidate;
            }
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
