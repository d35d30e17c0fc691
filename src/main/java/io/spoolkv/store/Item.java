package io.spoolkv.store;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One stored item. The value and metadata never change after the item is stored (a touch or an
 * append stores a new Item); only the access record (last access, fetched) moves, and it is only
 * informational, so plain volatile writes are enough.
 *
 * <p>Ownership of the value. The value lives in pooled direct memory, outside the GC's heap. The item owns
 * one reference to that buffer and counts its own references: the store holds one from the moment the item is
 * stored until it leaves the store (replaced, deleted, evicted, expired, flushed, or the store closes), and
 * releases it in the compute of the item's key. A reader that reads the value outside that compute holds a
 * reference of its own: {@link ItemStore#get}, {@link ItemStore#getAndTouch} and {@link ItemStore#read} hand
 * out items retained for the caller, who calls {@link #release()} when done. The count is the item's own,
 * not the buffer's: the pool recycles a released buffer's memory at once, so a reader must never retain the
 * buffer itself without holding the item; {@link #tryRetain()} fails once the count reached 0, and the reader
 * looks the key up again. When the count reaches 0 the item releases its buffer; buffers handed to the
 * channel ({@link #retainedValue()}) hold references of their own. Metadata (key, flags, CAS, lengths) is on
 * the heap and may be read without a reference.
 */
public final class Item {

    private static final AtomicIntegerFieldUpdater<Item> REFS = AtomicIntegerFieldUpdater.newUpdater(Item.class, "refs");

    /**
     * Bytes charged per item on top of key and value: what the heap really holds per item besides
     * the key's and value's bytes, measured with {@code jcmd GC.class_histogram} on a full 1 GB store
     * of 1 KB values (docs/store.md): this Item 72, its Key 24, the two arrays' headers 32 and
     * alignment (7 on average), the hash map's node 32 and table slot ~9, the sorted index's node 24
     * and index nodes ~12; 212 measured, plus the key's {@link IndexSlot} (16, and the item's reference to
     * it in what was alignment), rounded up to a multiple of 8.
     */
    public static final int OVERHEAD_BYTES = 232;

    private final Key key;
    private final ByteBuf value;
    private final int valueLength;
    /** References to this item: the store's one, plus one per reader holding it. */
    private volatile int refs = 1;
    private final int flags;
    private final long expiresAt;
    private final long cas;
    private final long storedAt;
    private final boolean stale;
    private volatile long lastAccess;
    private volatile boolean fetched;
    /** A reader was handed the recache token (mg W); written only under the key's lock. */
    private volatile boolean tokenSent;
    /** Read again after its first fetch since it last moved in the LRU (memcached's ITEM_ACTIVE). */
    private volatile boolean active;

    // The item's place in the store's SegmentedLru, guarded by its lock: intrusive links, so
    // the LRU costs no node object per item.
    Item lruPrev;
    Item lruNext;
    byte lruSegment = SegmentedLru.NONE;
    /**
     * The item's slab class (reported by stats and dumps) and what it is charged against the bound, both set once
     * by {@link SegmentedLru#classify} before the store publishes the item (0 until then), so that the LRU's moves
     * under its lock never recompute the chunks.
     */
    byte slabClass;
    long charge;
    /** The key's place in the store's ordered index while this is the key's item; written in the key's compute. */
    IndexSlot indexSlot;

    /**
     * @param expiresAt absolute unix time in seconds; 0 for never
     * @param storedAt unix time in seconds of the store, for flush_all and "la"
     * @param stale marked stale by a meta invalidation (ms I / md I)
     * @param value the item takes over one reference to it
     */
    public Item(Key key, ByteBuf value, int flags, long expiresAt, long cas, long storedAt, boolean stale) {
        this.key = key;
        this.value = value;
        this.valueLength = value.readableBytes();
        this.flags = flags;
        this.expiresAt = expiresAt;
        this.cas = cas;
        this.storedAt = storedAt;
        this.stale = stale;
        this.lastAccess = storedAt;
    }

    public Key key() {
        return key;
    }

    /**
     * The value buffer itself; valid only while the caller holds a reference to this item (or runs in the
     * compute of its key), and never to be modified, released or have its indices moved.
     */
    ByteBuf value() {
        return value;
    }

    /** The value's length in bytes; needs no reference. */
    public int valueLength() {
        return valueLength;
    }

    /** Copies the value into {@code out}; the caller holds a reference to this item. */
    public void copyValueTo(ByteBuf out) {
        out.writeBytes(value, value.readerIndex(), valueLength);
    }

    /** A copy of the value's bytes; the caller holds a reference to this item. */
    public byte[] valueBytes() {
        byte[] bytes = new byte[valueLength];
        value.getBytes(value.readerIndex(), bytes);
        return bytes;
    }

    /**
     * The value as a buffer of its own (indices independent of the stored one) holding its own reference to the
     * stored memory, for the channel to send and release; the caller holds a reference to this item.
     */
    public ByteBuf retainedValue() {
        return value.retainedDuplicate();
    }

    /**
     * Whether {@code buffer} reads this item's stored memory itself (a reference to it, not a copy); the caller
     * holds a reference to this item.
     */
    public boolean isValueMemory(ByteBuf buffer) {
        return buffer.hasMemoryAddress() && value.hasMemoryAddress() && buffer.readableBytes() == valueLength
                && buffer.memoryAddress() + buffer.readerIndex() == value.memoryAddress() + value.readerIndex();
    }

    /**
     * Takes a reference unless the count already reached 0 (the value may then be freed memory). Readers that
     * got the item without one ({@code peek}, {@code itemsFrom}: a range scan's documents) call it before they
     * read the value, and {@link #release()} after.
     */
    public boolean tryRetain() {
        for (;;) {
            int current = refs;
            if (current <= 0) { // released (or, by a bug, over-released): the value may be freed memory
                return false;
            }
            if (REFS.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives a reference back; the last one releases the value buffer. */
    public void release() {
        int left = REFS.decrementAndGet(this);
        if (left == 0) {
            value.release();
        } else if (left < 0) {
            throw new IllegalStateException("item " + key + " released more often than retained");
        }
    }

    public int flags() {
        return flags;
    }

    /** Absolute unix time in seconds, 0 for never. */
    public long expiresAt() {
        return expiresAt;
    }

    public long cas() {
        return cas;
    }

    public long storedAt() {
        return storedAt;
    }

    public boolean stale() {
        return stale;
    }

    public long lastAccess() {
        return lastAccess;
    }

    public boolean fetched() {
        return fetched;
    }

    /** True once a reader has won the right to recache this item (memcached's ITEM_TOKEN_SENT). */
    public boolean tokenSent() {
        return tokenSent;
    }

    /** Hands out the recache token; callers hold the key's lock, so it is handed out once. */
    void markTokenSent() {
        tokenSent = true;
    }

    /**
     * Records a read at {@code now} (unix seconds). A read of an item already fetched makes it
     * active, which the LRU turns into a move to WARM (memcached: read twice, kept warm).
     */
    public void accessed(long now) {
        lastAccess = now;
        if (fetched) {
            if (!active) {
                active = true;
            }
        } else {
            fetched = true;
        }
    }

    boolean active() {
        return active;
    }

    /** The LRU moved the item because it was active: it must be read again to stay. */
    void deactivate() {
        active = false;
    }

    /** Records a touch at {@code now} without counting it as a fetch. */
    void touchedAt(long now) {
        lastAccess = now;
    }

    /** memcached's slab class for this item (0 before it is stored). */
    public int slabClass() {
        return slabClass;
    }

    /**
     * What the item really costs spoolkv (heap and direct memory, as measured); the store charges at least this
     * and at least memcached's chunks ({@link SegmentedLru#charge}).
     */
    /** memcached's ITEM_ntotal for this item ({@link SlabClasses#itemTotal}): what mem_requested and dumps' size count. */
    public long total() {
        return SlabClasses.itemTotal(key.length(), valueLength, flags);
    }

    public long footprint() {
        return footprintOf(key.length(), valueLength);
    }

    /**
     * What an item with this key and value length is charged: the key's and the value's bytes and the fixed
     * per-item overhead. The pool's size class (up to a quarter more for a value just above a class) is not
     * charged: charging it changed the eviction arithmetic memcached's own tests check (t/lru.t's 37 evictions
     * became 38); the RSS allowance in docs/store.md covers it.
     */
    public static long footprintOf(int keyLength, int valueLength) {
        return keyLength + (long) valueLength + OVERHEAD_BYTES;
    }

    public boolean expiredAt(long now) {
        return expiresAt != 0 && expiresAt <= now;
    }

    /** Seconds left to live at {@code now}: -1 for never, 0 when already expired. */
    public long ttlAt(long now) {
        return expiresAt == 0 ? -1 : Math.max(0, expiresAt - now);
    }

    /**
     * A copy marked stale with a new CAS and expiry (md I), keeping the access record; its token
     * is back with the server, so the next reader wins the recache. It shares the value buffer with a
     * reference of its own, taken in the key's compute, where this item's reference keeps the buffer.
     */
    Item invalidated(long newCas, long newExpiresAt) {
        Item copy = new Item(key, value.retain(), flags, newExpiresAt, newCas, storedAt, true);
        copy.copyAccessFrom(this);
        return copy;
    }

    /** A copy with another expiry (touch); everything else, the token included, stays. */
    Item withExpiry(long newExpiresAt) {
        Item copy = new Item(key, value.retain(), flags, newExpiresAt, cas, storedAt, stale);
        copy.copyAccessFrom(this);
        copy.tokenSent = tokenSent;
        return copy;
    }

    /** A copy that replaces this item keeps its access record, so the LRU treats it alike. */
    private void copyAccessFrom(Item previous) {
        lastAccess = previous.lastAccess;
        fetched = previous.fetched;
        active = previous.active;
    }

    /** Carries the token over to the item that replaces this one (incr, ms I over a stale item). */
    Item inheritToken(Item previous) {
        tokenSent = previous.tokenSent;
        return this;
    }
}
