package io.spoolkv.scan;

import io.netty.channel.Channel;
import io.spoolkv.background.ItemCursor;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One open scan: its id, the connection that created it, and its cursor over the store in key order. The cursor
 * is used by one continue at a time ({@link #claim}), handed between threads through that flag, so it needs no
 * lock; it is the {@link ItemCursor} of each continue's item stream. The store's iterator is weakly consistent: a
 * scan never blocks writers and sees each key at most once.
 */
public final class RangeScan implements ItemCursor {

    private final UUID id;
    private final Channel owner;
    private final ScanSpec spec;
    private final Iterator<Item> items;
    /** Reads a key's item now (null when gone): what is sent is the item at send time, not the read-ahead one. */
    private final Function<Key, Item> reader;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile long idleSinceNanos = System.nanoTime();

    /** The next key in range, read ahead so that the end of the range is seen without sending anything. */
    private Key nextKey;
    /** Whether {@link #nextKey} is read ahead yet (a sample's first advance waits for the first continue). */
    private boolean positioned;
    /** {@link #nextKey}'s item as {@link #peek} re-read it, kept until {@link #next} takes it or {@link #reread}. */
    private Item current;
    /** For a sample: items left to look at, samples left to pick (selection sampling) and the seeded choice. */
    private long population;
    private long toPick;
    private final SplittableRandom random;

    /**
     * Builds the cursor without reading anything: the first read ahead happens on the first {@link #peek} (for a
     * sample, on the background thread of the first continue, since it may skip many keys).
     */
    RangeScan(UUID id, Channel owner, ScanSpec spec, Iterator<Item> items, Function<Key, Item> reader,
              long population) {
        this.id = id;
        this.owner = owner;
        this.spec = spec;
        this.items = items;
        this.reader = reader;
        this.population = population;
        this.toPick = spec.samples();
        this.random = spec.sampling() ? new SplittableRandom(spec.seed()) : null;
    }

    public UUID id() {
        return id;
    }

    public Channel owner() {
        return owner;
    }

    public ScanSpec spec() {
        return spec;
    }

    public boolean running() {
        return running.get();
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    void cancel() {
        cancelled = true;
    }

    /** Takes the scan for one continue; false when one is running already. */
    boolean claim() {
        return running.compareAndSet(false, true);
    }

    /** The continue ended with more to come: the scan is idle from now. */
    void release() {
        idleSinceNanos = System.nanoTime();
        running.set(false);
    }

    /** Hands back a claim taken only to look (the sweeper's), leaving the idle clock as it was. */
    void unclaim() {
        running.set(false);
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** Whether nothing is left in range (or the scan was cancelled while looking). */
    boolean exhausted() {
        return peek() == null;
    }

    /**
     * The item {@link #next()} returns next, without taking it: the next key's item as the store holds it now
     * (a key deleted or expired since it was read ahead is skipped); null at the end, or when cancelled while
     * skipping.
     */
    @Override
    public Item peek() {
        for (;;) {
            if (!positioned) {
                nextKey = advance();
                positioned = true;
                current = null;
            }
            if (nextKey == null) {
                return null;
            }
            if (current == null) {
                current = reader.apply(nextKey);
            }
            if (current != null) {
                return current;
            }
            positioned = false; // gone since it was read ahead
        }
    }

    /** The next item in range, or null at the end. Only the claiming continue calls it. */
    @Override
    public Item next() {
        Item item = peek();
        positioned = item == null;
        current = null;
        return item;
    }

    /** Forgets the re-read item so the next {@link #peek} reads it again (a new chunk may go out much later). */
    @Override
    public void reread() {
        current = null;
    }

    private Key advance() {
        while (items.hasNext()) {
            if (cancelled) {
                return null; // a cancel stops even a long skip
            }
            Item item = items.next();
            if (random != null) {
                // Selection sampling (Knuth's algorithm S): each key is picked with probability left/remaining,
                // so exactly the asked number is picked when the store did not shrink meanwhile, in key order.
                if (toPick == 0) {
                    return null;
                }
                boolean pick = population <= toPick || random.nextLong(population) < toPick;
                population = Math.max(population - 1, 0);
                if (pick) {
                    toPick--;
                    return item.key();
                }
                continue;
            }
            if (spec.beforeStart(item.key())) {
                continue;
            }
            return spec.pastEnd(item.key()) ? null : item.key();
        }
        return null;
    }
}
