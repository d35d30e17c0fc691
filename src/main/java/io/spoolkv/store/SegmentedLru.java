package io.spoolkv.store;

/**
 * memcached's segmented LRU over the store's items, and the byte count of the items it holds.
 * New items enter HOT; HOT keeps at most {@link #HOT_PERCENT} of the bound, WARM at most
 * {@link #WARM_PERCENT}, COLD the rest. An item read twice (see {@link Item#accessed}) is
 * "active": leaving HOT or reaching COLD's tail it moves to WARM instead of going towards
 * eviction, and at WARM's tail it gets another round in WARM. Items read once or never flow HOT to
 * COLD and are evicted from COLD's tail, so a scan of new keys cannot flush what is read often.
 *
 * <p>Reads never take the lock: they only mark the item (memcached bumps lazily too); the lists
 * move when a write links an item or a victim is chosen. The links live in the items themselves
 * (no node object per item). Every method takes the one lock; it is held for a few pointer moves.
 */
final class SegmentedLru {

    /** memcached's hot_lru_pct and warm_lru_pct defaults. */
    static final int HOT_PERCENT = 20;
    static final int WARM_PERCENT = 40;

    /** How many active items one call may rescue before it moves on regardless (bounds the work per write). */
    private static final int RESCUE_BUDGET = 64;

    static final byte NONE = 0;
    static final byte HOT = 1;
    static final byte WARM = 2;
    static final byte COLD = 3;

    /** One list: head is the most recently entered item, tail the next to leave. */
    private final class Segment {
        final byte id;
        Item head;
        Item tail;
        long bytes;
        /** Items in this list; read without the lock by stats (a snapshot, like memcached's). */
        volatile int items;
        /** Items in this list by slab class (memcached's number_hot/warm/cold per class); under the lock. */
        final long[] classItems = new long[SlabClasses.MAX_CLASS_ID + 1];

        Segment(byte id) {
            this.id = id;
        }

        void addFirst(Item item) {
            item.lruSegment = id;
            item.lruPrev = null;
            item.lruNext = head;
            if (head != null) {
                head.lruPrev = item;
            } else {
                tail = item;
            }
            head = item;
            bytes += charge(item);
            items++;
            classItems[item.slabClass]++;
        }

        void remove(Item item) {
            if (item.lruPrev != null) {
                item.lruPrev.lruNext = item.lruNext;
            } else {
                head = item.lruNext;
            }
            if (item.lruNext != null) {
                item.lruNext.lruPrev = item.lruPrev;
            } else {
                tail = item.lruPrev;
            }
            item.lruPrev = null;
            item.lruNext = null;
            item.lruSegment = NONE;
            bytes -= charge(item);
            items--;
            classItems[item.slabClass]--;
        }
    }

    private final Segment hot = new Segment(HOT);
    private final Segment warm = new Segment(WARM);
    private final Segment cold = new Segment(COLD);
    /** The store's bound (memcached -m): owned here so that a change and its segment shares move together. */
    private volatile long maxBytes;
    private long hotLimit;
    private long warmLimit;
    /** Bytes of all linked items; read without the lock by stats and the eviction loop. */
    private volatile long bytes;
    /** The linked items' memcached totals (the sum of requested[]): memcached's curr bytes, stats' "bytes". */
    private volatile long requestedBytes;
    /** Linked items with an expiry, so that stats() skips the expiry sweep when there are none. */
    private volatile long itemsWithExpiry;
    /** The most bytes held since the bound was last lowered: stats slabs' total_malloced (see {@link #malloced}). */
    private volatile long peakBytes;
    private final SlabClasses classes;
    /** By slab class, under the lock: the linked items' memcached totals (mem_requested) and their chunks. */
    private final long[] requested = new long[SlabClasses.MAX_CLASS_ID + 1];
    private final long[] chunks = new long[SlabClasses.MAX_CLASS_ID + 1];

    SegmentedLru(long maxBytes) {
        this(maxBytes, SlabClasses.defaults());
    }

    SegmentedLru(long maxBytes, SlabClasses classes) {
        this.classes = classes;
        limit(maxBytes);
    }

    SlabClasses classes() {
        return classes;
    }

    /**
     * What an item is charged against the bound: its memcached chunks, or its real cost on the heap and in
     * direct memory ({@link Item#footprint()}) when that is more (small items), so that the store holds no more
     * than memcached would in the same memory and never more than the memory it is given (docs/store.md).
     */
    long charge(Item item) {
        return item.charge;
    }

    /** The class an item of these sizes would have (for counting a write that stored nothing). */
    int classOf(int keyLength, int valueLength, int flags) {
        return classes.itemClass(keyLength, valueLength, flags);
    }

    /**
     * Sets the item's slab class and its charge (functions of its key, value and flags), once: the store calls it
     * before it publishes the item in its index, so that dumps and stats never see an item without its class;
     * {@link #link} classifies an item nobody classified yet (0 is no class).
     */
    void classify(Item item) {
        if (item.slabClass != 0) {
            return;
        }
        int keyLength = item.key().length();
        item.charge = Math.max(item.footprint(), classes.chunkBytes(keyLength, item.valueLength(), item.flags()));
        item.slabClass = (byte) classes.itemClass(keyLength, item.valueLength(), item.flags());
    }

    synchronized void limit(long maxBytes) {
        this.maxBytes = maxBytes;
        peakBytes = Math.min(peakBytes, maxBytes);
        hotLimit = maxBytes * HOT_PERCENT / 100;
        warmLimit = maxBytes * WARM_PERCENT / 100;
    }

    long bytes() {
        return bytes;
    }

    /** The linked items' memcached totals (what memcached reports as bytes); the bound counts {@link #bytes}. */
    long requestedBytes() {
        return requestedBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    /**
     * What memcached would have malloced for these items: it keeps the pages it took until the limit is lowered
     * (then its rebalancer frees those above it), so this is the most bytes held since the bound last went down,
     * at most the bound. Derived: spoolkv takes no pages (docs/store.md).
     */
    long malloced() {
        return Math.min(peakBytes, maxBytes);
    }

    /** Whether more than the bound is held; read without the lock (the eviction loop's cheap check). */
    boolean overLimit() {
        return bytes > maxBytes;
    }

    /** Items in HOT, WARM and COLD, for stats items; each read is exact, the three together a snapshot. */
    int hotItems() {
        return hot.items;
    }

    int warmItems() {
        return warm.items;
    }

    int coldItems() {
        return cold.items;
    }

    long itemsWithExpiry() {
        return itemsWithExpiry;
    }

    private void count(Item item, int sign) {
        int keyLength = item.key().length();
        classes.chunks(keyLength, item.valueLength(), item.flags(), chunks, sign); // on link and unlink only
        long total = item.total();
        requested[item.slabClass] += sign * total;
        requestedBytes += sign * total;
        bytes += sign * item.charge;
        // capped at the bound: a write links before it evicts, and that moment's excess is never malloced
        long held = Math.min(bytes, maxBytes);
        if (held > peakBytes) {
            peakBytes = held;
        }
        if (item.expiresAt() != 0) {
            itemsWithExpiry += sign;
        }
    }

    /** Adds a newly stored item at HOT's head, then lets HOT and WARM overflow towards COLD. */
    synchronized void link(Item item) {
        classify(item);
        hot.addFirst(item);
        count(item, 1);
        balance();
    }

    /** Takes an item out (replaced, deleted, reclaimed); nothing when it is no longer linked. */
    synchronized void unlink(Item item) {
        Segment segment = segment(item);
        if (segment != null) {
            segment.remove(item);
            count(item, -1);
        }
    }

    /**
     * Unlinks and returns the item to evict while more than the bound is held: COLD's tail, after moving
     * active items found there to WARM (within the rescue budget); when COLD is empty WARM's tail (an active
     * one gets another round in WARM while the budget lasts), and only then HOT's. {@code keep}, the item the
     * calling write just linked, is passed over unless it is the only item left, so that a successful store is
     * readable by the next get. Null when within the bound or empty.
     */
    synchronized Item pollVictim(Item keep) {
        return bytes > maxBytes ? takeVictim(keep, false) : null;
    }

    /**
     * {@link #pollVictim} within the bound too, for a value whose allocation failed: the pool needs room. {@code
     * keep} (the item the failed write works on) is never taken, even when alone: null then.
     */
    synchronized Item pollVictimForRoom(Item keep) {
        return takeVictim(keep, true);
    }

    private Item takeVictim(Item keep, boolean spareAlways) {
        int rescues = RESCUE_BUDGET;
        for (;;) {
            Item victim = tailExcept(cold, keep);
            if (victim != null && victim.active() && rescues-- > 0) {
                cold.remove(victim);
                victim.deactivate();
                warm.addFirst(victim);
                continue;
            }
            if (victim == null) {
                victim = tailExcept(warm, keep);
                if (victim != null && victim.active() && rescues-- > 0) {
                    warm.remove(victim);
                    victim.deactivate();
                    warm.addFirst(victim);
                    continue;
                }
            }
            if (victim == null) {
                victim = tailExcept(hot, keep);
            }
            if (victim == null && !spareAlways) {
                victim = keep != null && keep.lruSegment != NONE ? keep : null;
            }
            if (victim == null) {
                return null;
            }
            segment(victim).remove(victim);
            count(victim, -1);
            return victim;
        }
    }

    /** The list's tail, or the item before it when the tail is {@code keep}. */
    private static Item tailExcept(Segment segment, Item keep) {
        Item tail = segment.tail;
        return tail != null && tail == keep ? tail.lruPrev : tail;
    }

    /** Moves items past HOT's and WARM's shares down, rescuing active ones into WARM. */
    private void balance() {
        int rescues = RESCUE_BUDGET;
        while (hot.bytes > hotLimit && hot.tail != null) {
            Item item = hot.tail;
            hot.remove(item);
            if (item.active()) {
                item.deactivate();
                warm.addFirst(item);
            } else {
                cold.addFirst(item);
            }
        }
        while (warm.bytes > warmLimit && warm.tail != null) {
            Item item = warm.tail;
            warm.remove(item);
            if (item.active() && rescues-- > 0) {
                item.deactivate();
                warm.addFirst(item);
            } else {
                cold.addFirst(item);
            }
        }
    }

    private Segment segment(Item item) {
        return switch (item.lruSegment) {
            case HOT -> hot;
            case WARM -> warm;
            case COLD -> cold;
            default -> null;
        };
    }

    /**
     * Every linked item, HOT then WARM then COLD, each head to tail; for tests, which also check
     * that each list's links agree both ways and that the byte count is the sum of the items'.
     */
    synchronized java.util.List<Item> linkedItems() {
        java.util.List<Item> all = new java.util.ArrayList<>();
        long total = 0;
        for (Segment segment : new Segment[] {hot, warm, cold}) {
            long segmentBytes = 0;
            Item previous = null;
            for (Item item = segment.head; item != null; item = item.lruNext) {
                if (item.lruPrev != previous || item.lruSegment != segment.id) {
                    throw new IllegalStateException("broken links at " + item.key());
                }
                segmentBytes += charge(item);
                all.add(item);
                previous = item;
            }
            if (segment.tail != previous || segment.bytes != segmentBytes) {
                throw new IllegalStateException("segment " + segment.id + " tail or bytes wrong");
            }
            total += segmentBytes;
        }
        if (total != bytes) {
            throw new IllegalStateException("bytes " + bytes + " but items hold " + total);
        }
        return all;
    }

    /**
     * Per slab class, one consistent snapshot: {@code [class][0..4]} = items in HOT, WARM, COLD, the items'
     * memcached totals (mem_requested) and the chunks memcached would hold them in (a chunked item's header and
     * value chunks each in their own class).
     */
    synchronized long[][] classSnapshot() {
        long[][] out = new long[classes.largest() + 1][5];
        for (int id = 1; id <= classes.largest(); id++) {
            out[id][0] = hot.classItems[id];
            out[id][1] = warm.classItems[id];
            out[id][2] = cold.classItems[id];
            out[id][3] = requested[id];
            out[id][4] = chunks[id];
        }
        return out;
    }

    /** The segment an item sits in (NONE once unlinked); for tests. */
    synchronized byte segmentOf(Item item) {
        return item.lruSegment;
    }
}
