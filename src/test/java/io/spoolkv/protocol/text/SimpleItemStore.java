package io.spoolkv.protocol.text;

import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.CrawlResult;
import io.spoolkv.store.DeleteRequest;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.ReadResult;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import io.spoolkv.store.StoreStats;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test double for {@link ItemStore}: a map with memcached's basic storage, CAS, arithmetic and
 * expiry rules, a fixed clock, no memory bound. Single-connection tests only (not atomic per key).
 */
final class SimpleItemStore implements ItemStore {

    static final long NOW = 1_700_000_000L;
    private static final long THIRTY_DAYS = 60L * 60 * 24 * 30;

    final ConcurrentHashMap<Key, Item> items = new ConcurrentHashMap<>();
    private final AtomicLong casCounter = new AtomicLong(100);
    /** Only reported (no eviction here): handler tests check what cache_memlimit sets. */
    volatile long maxMemory = 64L << 20;

    @Override
    public void maxMemory(long bytes) {
        maxMemory = bytes;
    }

    @Override
    public long maxMemory() {
        return maxMemory;
    }

    /** Removes the expired items, as the real store's crawler does. */
    @Override
    public CrawlResult crawl() {
        long checked = items.size();
        long before = items.size();
        items.values().removeIf(item -> item.expiredAt(NOW));
        return new CrawlResult(checked, before - items.size());
    }

    @Override
    public long maxItemSize() {
        return 1024 * 1024;
    }

    private Item live(Key key) {
        Item item = items.get(key);
        if (item != null && item.expiredAt(NOW)) {
            items.remove(key);
            return null;
        }
        return item;
    }

    static long expiresAt(long exptime) {
        if (exptime == 0) {
            return 0;
        }
        if (exptime < 0) {
            return NOW - 1;
        }
        return exptime <= THIRTY_DAYS ? NOW + exptime : exptime;
    }

    @Override
    public Item get(Key key) {
        Item item = live(key);
        if (item != null) {
            item.accessed(NOW);
        }
        return item;
    }

    /** Meta reads are tested on the real store (MetaCommandsTest), so this double does not copy their rules. */
    @Override
    public ReadResult read(ReadRequest request) {
        throw new UnsupportedOperationException("meta reads are tested on MemoryItemStore");
    }

    /** Meta deletes are tested on the real store (MetaCommandsTest), so this double does not copy their rules. */
    @Override
    public DeleteOutcome delete(DeleteRequest request) {
        throw new UnsupportedOperationException("meta deletes are tested on MemoryItemStore");
    }

    @Override
    public Item peek(Key key) {
        return live(key);
    }

    @Override
    public Item getAndTouch(Key key, long exptime) {
        Item item = live(key);
        if (item == null) {
            return null;
        }
        Item touched = new Item(key, item.value(), item.flags(), expiresAt(exptime), item.cas(), item.storedAt(), item.stale());
        items.put(key, touched);
        touched.accessed(NOW);
        return touched;
    }

    @Override
    public boolean touch(Key key, long exptime) {
        Item item = live(key);
        if (item == null) {
            return false;
        }
        items.put(key, new Item(key, item.value(), item.flags(), expiresAt(exptime), item.cas(), item.storedAt(), item.stale()));
        return true;
    }

    @Override
    public StoreResult store(StoreRequest r) {
        Item old = live(r.key());
        if (r.compareCas() != 0) {
            if (old == null) {
                return StoreResult.NOT_FOUND;
            }
            if (old.cas() != r.compareCas()) {
                return StoreResult.EXISTS;
            }
        }
        byte[] value = r.value();
        int flags = r.flags();
        long expiresAt = expiresAt(r.exptime());
        switch (r.mode()) {
            case ADD -> {
                if (old != null) {
                    return StoreResult.NOT_STORED;
                }
            }
            case REPLACE -> {
                if (old == null) {
                    return StoreResult.NOT_STORED;
                }
            }
            case APPEND, PREPEND -> {
                if (old == null) {
                    return StoreResult.NOT_STORED;
                }
                byte[] joined = new byte[old.value().length + value.length];
                byte[] first = r.mode() == StoreMode.APPEND ? old.value() : value;
                byte[] second = r.mode() == StoreMode.APPEND ? value : old.value();
                System.arraycopy(first, 0, joined, 0, first.length);
                System.arraycopy(second, 0, joined, first.length, second.length);
                value = joined;
                flags = old.flags();
                expiresAt = old.expiresAt();
            }
            case SET -> { }
        }
        long cas = r.newCas() != 0 ? r.newCas() : casCounter.incrementAndGet();
        items.put(r.key(), new Item(r.key(), value, flags, expiresAt, cas, NOW, false));
        return StoreResult.stored(cas);
    }

    @Override
    public ArithmeticResult arithmetic(Arithmetic a) {
        Item old = live(a.key());
        if (old == null) {
            if (!a.autoVivify()) {
                return ArithmeticResult.NOT_FOUND;
            }
            Item created = new Item(a.key(), Long.toUnsignedString(a.initial()).getBytes(StandardCharsets.US_ASCII),
                    0, expiresAt(a.vivifyExptime()), casCounter.incrementAndGet(), NOW, false);
            items.put(a.key(), created);
            return new ArithmeticResult(ArithmeticResult.Outcome.OK, a.initial(), created);
        }
        if (a.compareCas() != 0 && a.compareCas() != old.cas()) {
            return ArithmeticResult.EXISTS;
        }
        long current;
        try {
            current = Numbers.parseUnsigned64(new String(old.value(), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return ArithmeticResult.NON_NUMERIC;
        }
        long next;
        if (a.increment()) {
            next = current + a.delta();
        } else {
            next = Long.compareUnsigned(current, a.delta()) < 0 ? 0 : current - a.delta();
        }
        Item updated = new Item(a.key(), Long.toUnsignedString(next).getBytes(StandardCharsets.US_ASCII),
                old.flags(), old.expiresAt(), casCounter.incrementAndGet(), NOW, false);
        items.put(a.key(), updated);
        return new ArithmeticResult(ArithmeticResult.Outcome.OK, next, updated);
    }

    @Override
    public DeleteOutcome delete(Key key, long compareCas, boolean invalidate) {
        Item old = live(key);
        if (old == null) {
            return DeleteOutcome.NOT_FOUND;
        }
        if (compareCas != 0 && compareCas != old.cas()) {
            return DeleteOutcome.EXISTS;
        }
        if (invalidate) {
            items.put(key, new Item(key, old.value(), old.flags(), old.expiresAt(), old.cas(), old.storedAt(), true));
        } else {
            items.remove(key);
        }
        return DeleteOutcome.DELETED;
    }

    @Override
    public void flushAll(long delaySeconds) {
        if (delaySeconds <= 0) {
            items.clear();
        }
    }

    @Override
    public Iterator<Item> itemsFrom(Key from) {
        TreeMap<Key, Item> sorted = new TreeMap<>(items);
        return (from == null ? sorted : sorted.tailMap(from, true)).values().iterator();
    }

    @Override
    public StoreStats stats() {
        long bytes = items.values().stream().mapToLong(Item::footprint).sum();
        return new StoreStats(items.size(), items.size(), bytes, maxMemory, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public long nowSeconds() {
        return NOW;
    }

    @Override
    public long uptimeSeconds() {
        return 10;
    }
}
