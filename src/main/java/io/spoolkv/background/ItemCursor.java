package io.spoolkv.background;

import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.util.Iterator;
import java.util.function.Function;
import java.util.function.Predicate;

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

    /**
     * Whether the last {@link #peek} answered null because this chunk's budget of items examined ran out rather
     * than at the end: the chunk then goes out as it is, and the next chunk goes on from here.
     */
    default boolean paused() {
        return false;
    }

    /** Whether the stream was cancelled: it then ends with its protocol's "cancelled" frame. */
    default boolean cancelled() {
        return false;
    }

    /**
     * A cursor over a plain iterator (the store's live items in key order). An item read ahead when a chunk filled
     * is read again through {@code reader} when the next chunk starts (null: it has gone since, and is skipped),
     * so a dump paused for a slow reader does not list an item deleted, expired or flushed during the pause.
     */
    static ItemCursor of(Iterator<Item> items, Function<Key, Item> reader) {
        return of(items, reader, item -> true, Integer.MAX_VALUE);
    }

    /**
     * As {@link #of(Iterator, Function)}, over the items {@code belongs} accepts (the reader applies the same
     * rule), looking at no more than {@code maxExamined} items per chunk: a filter that skips millions of items
     * (a dump of one slab class) returns between chunks, so the task checks on its connection and gives its
     * thread back instead of scanning inside one step.
     */
    static ItemCursor of(Iterator<Item> items, Function<Key, Item> reader, Predicate<Item> belongs, int maxExamined) {
        return new ItemCursor() {
            private int examined;
            private boolean paused;

            private Item next;

            @Override
            public Item peek() {
                paused = false;
                while (next == null && items.hasNext()) {
                    if (examined >= maxExamined) {
                        paused = true;
                        return null;
                    }
                    examined++;
                    Item item = items.next();
                    if (belongs.test(item)) {
                        next = item;
                    }
                }
                return next;
            }

            @Override
            public boolean paused() {
                return paused;
            }

            @Override
            public Item next() {
                Item item = peek();
                next = null;
                return item;
            }

            @Override
            public void reread() {
                examined = 0;
                if (next != null) {
                    next = reader.apply(next.key());
                }
            }
        };
    }
}
