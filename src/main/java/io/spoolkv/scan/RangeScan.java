package io.spoolkv.scan;

import io.netty.channel.Channel;
import io.spoolkv.store.Item;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open scan: its id, the connection that created it, and its cursor over the store in key order. The cursor
 * is used by one continue at a time ({@link #claim}), handed between threads through that flag, so it needs no
 * lock. The store's iterator is weakly consistent: a scan never blocks writers and sees each key at most once.
 */
public final class RangeScan {

    private final UUID id;
    private final Channel owner;
    private final ScanSpec spec;
    private final Iterator<Item> items;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile long idleSinceNanos = System.nanoTime();

    /** The next item in range, read ahead so that the end of the range is seen without sending anything. */
    private Item next;
    /** For a sample: items left to look at, samples left to pick (selection sampling) and the seeded choice. */
    private long population;
    private long toPick;
    private final SplittableRandom random;

    RangeScan(UUID id, Channel owner, ScanSpec spec, Iterator<Item> items, long population) {
        this.id = id;
        this.owner = owner;
        this.spec = spec;
        this.items = items;
        this.population = population;
        this.toPick = spec.samples();
        this.random = spec.sampling() ? new SplittableRandom(spec.seed()) : null;
        this.next = advance();
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

    /** Whether nothing is left in range. */
    boolean exhausted() {
        return next == null;
    }

    /** The item {@link #next()} returns next, without taking it; null at the end. */
    Item peek() {
        return next;
    }

    /** The next item in range, or null at the end. Only the claiming continue calls it. */
    Item next() {
        Item item = next;
        if (item != null) {
            next = advance();
        }
        return item;
    }

    private Item advance() {
        while (items.hasNext()) {
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
                    return item;
                }
                continue;
            }
            if (spec.beforeStart(item.key())) {
                continue;
            }
            return spec.pastEnd(item.key()) ? null : item;
        }
        return null;
    }
}
