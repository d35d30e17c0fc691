package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The class table and the chunks an item takes, against figures read from Debian's memcached 1.6.18: its
 * {@code -vv} slab table at startup, and {@code stats items}/{@code stats slabs} after single sets on a fresh
 * server (mem_requested, used_chunks per class).
 */
class SlabClassesTest {

    /** {@code memcached -vv}: chunk sizes with the defaults (slab_chunk_max 512 KiB). */
    private static final int[] DEFAULT_SIZES = {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480,
            1856, 2320, 2904, 3632, 4544, 5680, 7104, 8880, 11104, 13880, 17352, 21696, 27120, 33904, 42384, 52984,
            66232, 82792, 103496, 129376, 161720, 202152, 252696, 315872, 394840, 524288};
    private static final int[] DEFAULT_PER_PAGE = {10922, 8738, 6898, 5461, 4369, 3449, 2730, 2184, 1747, 1394,
            1110, 885, 708, 564, 451, 361, 288, 230, 184, 147, 118, 94, 75, 60, 48, 38, 30, 24, 19, 15, 12, 10, 8, 6,
            5, 4, 3, 2, 2};

    private static int[] sizes(SlabClasses classes) {
        return IntStream.rangeClosed(1, classes.largest()).map(classes::chunkSize).toArray();
    }

    /** Proves the table is memcached's default one: 39 classes, sizes and chunks per page as memcached -vv prints. */
    @Test
    void defaultTableIsMemcachedsTable() {
        SlabClasses classes = SlabClasses.defaults();
        assertThat(classes.largest()).isEqualTo(39);
        assertThat(sizes(classes)).containsExactly(DEFAULT_SIZES);
        assertThat(IntStream.rangeClosed(1, 39).map(classes::perPage).toArray()).containsExactly(DEFAULT_PER_PAGE);
    }

    /** Proves slab_chunk_max shapes the table as memcached's does: -o no_modern (1 MiB) and slab_chunk_max=1024. */
    @Test
    void chunkMaxSetsTheLargestClass() {
        SlabClasses noModern = new SlabClasses(1024 * 1024);
        assertThat(noModern.largest()).isEqualTo(42);
        assertThat(IntStream.rangeClosed(38, 42).map(noModern::chunkSize).toArray())
                .containsExactly(394840, 493552, 616944, 771184, 1048576);
        assertThat(sizes(new SlabClasses(1024))).containsExactly(96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 1024);
    }

    /** Proves ITEM_ntotal as memcached's mem_requested and metadump size= show it (flags cost 4 bytes when set). */
    @Test
    void itemTotalIsMemcachedsNtotal() {
        assertThat(SlabClasses.itemTotal(3, 5, 0)).isEqualTo(67);
        assertThat(SlabClasses.itemTotal(3, 5, 1)).isEqualTo(71);
        assertThat(SlabClasses.itemTotal(3, 3, 0)).isEqualTo(65); // me foo (value "bar"): size=65
        assertThat(SlabClasses.itemTotal(5, 66560, 0)).isEqualTo(66624); // issue_22.t's key10 and value
    }

    /** Proves issue_22.t's 66,560-byte items land in class 31 (82,792-byte chunks, 12 a page), as memcached's. */
    @Test
    void issue22ItemsAreClass31() {
        SlabClasses classes = SlabClasses.defaults();
        assertThat(classes.itemClass(4, 66560, 0)).isEqualTo(31);
        assertThat(classes.itemClass(5, 66560, 0)).isEqualTo(31);
        assertThat(classes.chunkBytes(5, 66560, 0)).isEqualTo(82792);
        assertThat(classes.perPage(31)).isEqualTo(12);
        assertThat(classes.classFor(96)).isEqualTo(1);
        assertThat(classes.classFor(97)).isEqualTo(2);
        assertThat(classes.classFor(524289)).isZero();
    }

    /**
     * Proves the chunks of items past slab_chunk_max, as used_chunks per class after one set of key "k" or "a" on
     * a fresh memcached: a header chunk, full 512 KiB chunks, and the rest in the smallest class that holds it
     * (each chunk carries a 48-byte header). The item itself is counted in the largest class.
     */
    @Test
    void chunkedItemsTakeMemcachedsChunks() {
        SlabClasses classes = SlabClasses.defaults();
        assertChunks(classes, 1, 524226, new long[] {39, 1});
        assertChunks(classes, 1, 524229, new long[] {2, 1, 39, 1});
        assertChunks(classes, 1, 524238, new long[] {2, 1, 39, 1});
        assertChunks(classes, 1, 524239, new long[] {1, 1, 2, 1, 39, 1});
        assertChunks(classes, 1, 524287, new long[] {2, 2, 39, 1});
        assertChunks(classes, 1, 530000, new long[] {2, 1, 20, 1, 39, 1});
        assertChunks(classes, 1, 600000, new long[] {2, 1, 31, 1, 39, 1});
        assertChunks(classes, 1, 1048326, new long[] {2, 1, 39, 2});
        assertThat(classes.chunkBytes(1, 600000, 0)).isEqualTo(120 + 82792 + 524288);
        assertThat(classes.itemClass(1, 600000, 0)).isEqualTo(39);
    }

    private static void assertChunks(SlabClasses classes, int keyLength, int valueLength, long[] expectedPairs) {
        long[] counts = new long[SlabClasses.MAX_CLASS_ID + 1];
        long bytes = classes.chunks(keyLength, valueLength, 0, counts, 1);
        long[] expected = new long[SlabClasses.MAX_CLASS_ID + 1];
        long expectedBytes = 0;
        for (int i = 0; i < expectedPairs.length; i += 2) {
            expected[(int) expectedPairs[i]] = expectedPairs[i + 1];
            expectedBytes += expectedPairs[i + 1] * classes.chunkSize((int) expectedPairs[i]);
        }
        assertThat(counts).as("chunks of a %d-byte value", valueLength).containsExactly(expected);
        assertThat(bytes).isEqualTo(expectedBytes);
        classes.chunks(keyLength, valueLength, 0, counts, -1);
        assertThat(counts).containsOnly(0L);
    }

    /** Proves memcached's rule for slab_chunk_max: it must divide the 1 MiB page. */
    @Test
    void chunkMaxMustDivideThePage() {
        assertThatThrownBy(() -> new SlabClasses(1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SlabClasses(2 * 1024 * 1024)).isInstanceOf(IllegalArgumentException.class);
    }
}
