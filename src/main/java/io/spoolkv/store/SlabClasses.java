package io.spoolkv.store;

/**
 * memcached 1.6.18's slab classes with its defaults (48-byte minimum data, growth factor 1.25, 8-byte
 * alignment, 1 MiB pages), for a given {@code slab_chunk_max}: the class an item is reported in, and the chunks
 * memcached would hold it in. spoolkv allocates no slabs; the table is what {@code stats items}/{@code stats
 * slabs} report and what the store charges an item at least (docs/store.md). The figures were read from Debian's
 * memcached 1.6.18 ({@code memcached -vv} prints the table; {@code stats slabs} the chunks an item takes).
 */
public final class SlabClasses {

    /** memcached's slab page (its {@code slab_page_size}). */
    public static final int PAGE_SIZE = 1024 * 1024;
    /** Class ids run 1..63 (memcached's MAX_NUMBER_OF_SLAB_CLASSES is 64, id 0 is unused). */
    public static final int MAX_CLASS_ID = 63;
    /** memcached's default slab_chunk_max: half a page. */
    public static final int DEFAULT_CHUNK_MAX = PAGE_SIZE / 2;

    /** sizeof(item) on a 64-bit build, without the CAS. */
    static final int ITEM_HEADER = 48;
    static final int CAS_BYTES = 8;
    /** Client flags cost 4 bytes in the item only when they are not 0 (memcached's nsuffix). */
    static final int FLAGS_BYTES = 4;
    /** sizeof(item_chunk): the header of each chunk of a chunked item. */
    static final int CHUNK_HEADER = 48;
    private static final int MIN_DATA = 48;
    private static final double FACTOR = 1.25;
    private static final int ALIGN = 8;

    /** Chunk size by class id; index 0 unused. */
    private final int[] sizes;
    private final int largest;
    private final int chunkMax;

    public SlabClasses(int chunkMax) {
        if (chunkMax < ITEM_HEADER + MIN_DATA || chunkMax > PAGE_SIZE || PAGE_SIZE % chunkMax != 0) {
            throw new IllegalArgumentException("slab chunk max must divide " + PAGE_SIZE + " evenly: " + chunkMax);
        }
        this.chunkMax = chunkMax;
        int[] table = new int[MAX_CLASS_ID + 1];
        int id = 0;
        int size = ITEM_HEADER + MIN_DATA;
        // As memcached's slabs_init: grow by the factor while below chunk_max / factor; the last class is chunk_max.
        while (++id < MAX_CLASS_ID && size < chunkMax / FACTOR) {
            if (size % ALIGN != 0) {
                size += ALIGN - size % ALIGN;
            }
            table[id] = size;
            size = (int) (size * FACTOR);
        }
        table[id] = chunkMax;
        this.largest = id;
        this.sizes = java.util.Arrays.copyOf(table, id + 1);
    }

    public static SlabClasses defaults() {
        return new SlabClasses(DEFAULT_CHUNK_MAX);
    }

    public int chunkMax() {
        return chunkMax;
    }

    /** The highest class id in use (39 with the defaults). */
    public int largest() {
        return largest;
    }

    public int chunkSize(int id) {
        return sizes[id];
    }

    public int perPage(int id) {
        return PAGE_SIZE / sizes[id];
    }

    /** memcached's ITEM_ntotal: header, key and its NUL, flags if any, value and its CRLF, CAS. */
    public static long itemTotal(int keyLength, int valueLength, int flags) {
        return ITEM_HEADER + keyLength + 1L + (flags != 0 ? FLAGS_BYTES : 0) + valueLength + 2L + CAS_BYTES;
    }

    /** The smallest class whose chunk holds {@code size} bytes; 0 when none does (memcached's slabs_clsid). */
    public int classFor(long size) {
        int lo = 1;
        int hi = largest;
        if (size > sizes[hi]) {
            return 0;
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sizes[mid] >= size) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The class an item is counted in: its total's class, or the largest for an item chunked past chunk_max. */
    public int itemClass(int keyLength, int valueLength, int flags) {
        int id = classFor(itemTotal(keyLength, valueLength, flags));
        return id == 0 ? largest : id;
    }

    /**
     * Bytes of chunks memcached holds the item in: one chunk of its class, or, past chunk_max, a header chunk
     * (item header, key, flags, CAS and the first chunk's header) plus the value (with its CRLF) in chunks of at
     * most chunk_max, each with its own header, the last in the smallest class that fits it.
     */
    public long chunkBytes(int keyLength, int valueLength, int flags) {
        return chunks(keyLength, valueLength, flags, null, 0);
    }

    /**
     * Adds {@code sign} to {@code counts[class]} for every chunk the item takes (see {@link #chunkBytes}), and
     * returns the chunks' bytes; {@code counts} may be null.
     */
    long chunks(int keyLength, int valueLength, int flags, long[] counts, int sign) {
        long total = itemTotal(keyLength, valueLength, flags);
        int id = classFor(total);
        if (id != 0) {
            add(counts, id, sign);
            return sizes[id];
        }
        long header = total - valueLength - 2L + CHUNK_HEADER;
        int headerId = classFor(header);
        add(counts, headerId, sign);
        long bytes = sizes[headerId];
        long remaining = valueLength + 2L;
        while (remaining > 0) {
            long size = Math.min(remaining + CHUNK_HEADER, chunkMax);
            int chunkId = classFor(size);
            add(counts, chunkId, sign);
            bytes += sizes[chunkId];
            remaining -= size - CHUNK_HEADER;
        }
        return bytes;
    }

    private static void add(long[] counts, int id, int sign) {
        if (counts != null) {
            counts[id] += sign;
        }
    }
}
