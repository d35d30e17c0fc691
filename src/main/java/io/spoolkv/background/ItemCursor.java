package io.spoolkv.background;

import io.spoolkv.store.Item;
import java.util.Iterator;

/**
 * Where an {@link ItemStream} reads: items in the store's key order from some position, with the source's own
 * rules for which items belong (a key range, a sample). Used by one thread at a time.
 */
public interface ItemCursor {

    /** The item {@link #next} returns next, without taking it; null at the end (or once cancelled). */
    Item peek();

    /** Takes the next item; null at the end. */
    Item next();

    /**
     * A new chunk starts, and it may go out much later than the last one: forget an item read ahead, so that
     * what is sent is the item as the store holds it when it is written.
     */
    default void reread() {
    }

    /** Whether the stream was cancelled: it then ends with its protocol's "cancelled" frame. */
    default boolean cancelled() {
        return false;
    }

    /** A cursor over a plain iterator (the store's live items in key order): every item, as read. */
    static ItemCursor of(Iterator<Item> items) {
        return new ItemCursor() {
            private Item next;

            @Override
            public Item peek() {
                if (next == null && items.hasNext()) {
                    next = items.next();
                }
                return next;
            }

            @Override
            public Item next() {
                Item item = peek();
                next = null;
                return item;
            }
        };
    }
}
