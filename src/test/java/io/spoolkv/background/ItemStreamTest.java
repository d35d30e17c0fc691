package io.spoolkv.background;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link ItemStream}'s fill loop with a test framing ({@link LineFrames}), no spool: chunking, limits, skipped
 * items and the end.
 */
class ItemStreamTest {

    private static final LineFrames LINES = new LineFrames(Set.of());

    private static Item item(String key) {
        return LineFrames.item(key);
    }

    /** Keys k00..k(n-1), 4 bytes each, so each line is 4 bytes. */
    private static Iterator<Item> keys(int n) {
        return IntStream.range(0, n).mapToObj(i -> item(String.format("k%02d", i))).iterator();
    }

    /** Fills chunks of {@code capacity} until the end; each chunk's text, in order. */
    private static List<String> chunks(ItemStream stream, int capacity) {
        List<String> chunks = new ArrayList<>();
        boolean more = true;
        while (more) {
            ByteBuf chunk = Unpooled.buffer(capacity);
            try {
                more = stream.fill(chunk);
                if (more) { // the last chunk may grow for the end frame, which the frames here do not reserve
                    assertThat(chunk.capacity()).as("a chunk of whole small frames never grows").isEqualTo(capacity);
                }
                chunks.add(chunk.toString(StandardCharsets.US_ASCII));
            } finally {
                chunk.release();
            }
            assertThat(chunks.size()).as("the stream ends").isLessThan(1000);
        }
        return chunks;
    }

    /** Property: chunks hold whole frames only, every item exactly once in order, then the end. */
    @Test
    void chunksHoldWholeFramesEveryItemOnceThenTheEnd() {
        ItemStream stream = new ItemStream(LineFrames.cursor(keys(10)), ItemLimits.NONE, LINES);
        List<String> chunks = chunks(stream, 10); // room for two 4-byte lines, not three
        assertThat(chunks).startsWith("k00\nk01\n", "k02\nk03\n");
        assertThat(String.join("", chunks)).isEqualTo(
                "k00\nk01\nk02\nk03\nk04\nk05\nk06\nk07\nk08\nk09\nEND COMPLETE\n");
        assertThat(stream.end()).isEqualTo(ItemStream.End.COMPLETE);
    }

    /**
     * Property: a filtered cursor looks at no more than its budget of items per chunk: a dump whose filter skips
     * everything comes back empty-handed after each budget (the chunk empty, more to follow) instead of scanning
     * the whole source in one fill, and still lists the matching items once each, in order, then the end.
     */
    @Test
    void aFilteredCursorExaminesAtMostItsBudgetPerChunk() {
        int[] examined = {0};
        Iterator<Item> source = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return examined[0] < 100;
            }

            @Override
            public Item next() {
                return item(String.format("k%02d", examined[0]++));
            }
        };
        java.util.function.Predicate<Item> matches = it -> it.key().equals(Key.of("k95"));
        ItemCursor cursor = ItemCursor.of(source, key -> item(new String(key.bytes(), StandardCharsets.US_ASCII)),
                matches, 10);
        ItemStream stream = new ItemStream(cursor, ItemLimits.NONE, LINES);
        ByteBuf first = Unpooled.buffer(64);
        try {
            assertThat(stream.fill(first)).isTrue();
            assertThat(first.readableBytes()).isZero();
            assertThat(examined[0]).isEqualTo(10);
        } finally {
            first.release();
        }
        List<String> rest = chunks(stream, 64);
        assertThat(rest).hasSize(9);
        assertThat(String.join("", rest)).isEqualTo("k95\nEND COMPLETE\n");
        assertThat(examined[0]).isEqualTo(100);
    }

    /** Property: an item larger than a whole chunk still goes out, alone, by growing that one chunk. */
    @Test
    void anItemLargerThanAChunkGoesOutAlone() {
        String big = "b".repeat(40);
        ItemStream stream = new ItemStream(LineFrames.cursor(List.of(item("a"), item(big), item("c")).iterator()),
                ItemLimits.NONE, LINES);
        List<String> out = new ArrayList<>();
        boolean more = true;
        while (more) {
            ByteBuf chunk = Unpooled.buffer(8);
            more = stream.fill(chunk);
            out.add(chunk.toString(StandardCharsets.US_ASCII));
            chunk.release();
        }
        assertThat(out).containsExactly("a\n", big + "\n", "c\nEND COMPLETE\n");
    }

    /** Property: an item limit ends the stream with LIMIT after exactly that many items, and the rest remain. */
    @Test
    void anItemLimitEndsWithLimitAndLeavesTheRest() {
        ItemCursor cursor = LineFrames.cursor(keys(10));
        ItemStream stream = new ItemStream(cursor, new ItemLimits(3, 0, 0), LINES);
        assertThat(String.join("", chunks(stream, 100))).isEqualTo("k00\nk01\nk02\nEND LIMIT\n");
        assertThat(stream.end()).isEqualTo(ItemStream.End.LIMIT);
        assertThat(cursor.peek().key()).isEqualTo(Key.wrap("k03".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Property: a byte limit counts the item frames written, and at least one item goes out before any limit. */
    @Test
    void aByteLimitCountsFrameBytesAndOneItemAlwaysGoesOut() {
        ItemStream bytes = new ItemStream(LineFrames.cursor(keys(10)), new ItemLimits(0, 0, 9), LINES);
        assertThat(String.join("", chunks(bytes, 100))).isEqualTo("k00\nk01\nk02\nEND LIMIT\n"); // 12 >= 9
        ItemStream one = new ItemStream(LineFrames.cursor(keys(10)), new ItemLimits(0, 0, 1), LINES);
        assertThat(String.join("", chunks(one, 100))).isEqualTo("k00\nEND LIMIT\n");
    }

    /** Property: the time limit ends a stream whose items come slowly, after at least one item. */
    @Test
    void aTimeLimitEndsASlowStream() {
        Iterator<Item> slow = keys(10);
        Iterator<Item> sleepy = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return slow.hasNext();
            }

            @Override
            public Item next() {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return slow.next();
            }
        };
        ItemStream stream = new ItemStream(LineFrames.cursor(sleepy), new ItemLimits(0, 1, 0), LINES);
        assertThat(String.join("", chunks(stream, 100))).isEqualTo("k00\nEND LIMIT\n");
    }

    /** Property: an item that left the store (written as nothing) is skipped and not counted against a limit. */
    @Test
    void aVanishedItemIsSkippedAndNotCounted() {
        ItemStream stream = new ItemStream(LineFrames.cursor(keys(5)), new ItemLimits(2, 0, 0),
                new LineFrames(Set.of("k00", "k02")));
        assertThat(String.join("", chunks(stream, 100))).isEqualTo("k01\nk03\nEND LIMIT\n");
    }

    /** Property: a cancelled cursor ends the stream with CANCELLED after what was written before it. */
    @Test
    void aCancelEndsWithCancelled() {
        Iterator<Item> items = keys(10);
        int[] taken = new int[1];
        ItemCursor cursor = new ItemCursor() {
            private final ItemCursor inner = LineFrames.cursor(items);

            @Override
            public Item peek() {
                return inner.peek();
            }

            @Override
            public Item next() {
                taken[0]++;
                return inner.next();
            }

            @Override
            public boolean cancelled() {
                return taken[0] == 2;
            }
        };
        ItemStream stream = new ItemStream(cursor, ItemLimits.NONE, LINES);
        assertThat(String.join("", chunks(stream, 100))).isEqualTo("k00\nk01\nEND CANCELLED\n");
        assertThat(stream.end()).isEqualTo(ItemStream.End.CANCELLED);
    }

    /**
     * Property: a chunk that a large item filled leaves as it is, and the end goes in the next chunk (a scan's last
     * large document is an intermediate response, then the status, as before the dump and scan shared the loop).
     */
    @Test
    void aFullChunkLeavesBeforeTheEnd() {
        String big = "b".repeat(40);
        ItemStream stream = new ItemStream(LineFrames.cursor(List.of(item("a"), item(big)).iterator()),
                ItemLimits.NONE, LINES);
        assertThat(growingChunks(stream, 8)).containsExactly("a\n", big + "\n", "END COMPLETE\n");
        ItemStream limited = new ItemStream(LineFrames.cursor(List.of(item(big), item("c")).iterator()),
                new ItemLimits(1, 0, 0), LINES);
        assertThat(growingChunks(limited, 8)).containsExactly(big + "\n", "END LIMIT\n");
    }

    /** Each chunk's text until the end, chunks of {@code capacity} that may grow for a large item. */
    private static List<String> growingChunks(ItemStream stream, int capacity) {
        List<String> out = new ArrayList<>();
        boolean more = true;
        while (more && out.size() < 100) {
            ByteBuf chunk = Unpooled.buffer(capacity);
            more = stream.fill(chunk);
            out.add(chunk.toString(StandardCharsets.US_ASCII));
            chunk.release();
        }
        return out;
    }

    /**
     * Property: an item read ahead when a chunk filled is read again when the next chunk starts, so one that left
     * the store during the pause is not listed (a dump paused for a slow reader after a delete or flush_all).
     */
    @Test
    void anItemReadAheadIsReadAgainForTheNextChunk() {
        Set<String> gone = new java.util.HashSet<>();
        ItemCursor cursor = ItemCursor.of(keys(4),
                key -> gone.contains(key.toString()) ? null : LineFrames.item(key.toString()));
        ItemStream stream = new ItemStream(cursor, ItemLimits.NONE, LINES);
        List<String> out = new ArrayList<>();
        ByteBuf chunk = Unpooled.buffer(10);
        assertThat(stream.fill(chunk)).isTrue(); // k00, k01; k02 read ahead, does not fit
        out.add(chunk.toString(StandardCharsets.US_ASCII));
        chunk.release();
        gone.add("k02");
        out.addAll(chunks(stream, 100));
        assertThat(String.join("", out)).isEqualTo("k00\nk01\nk03\nEND COMPLETE\n");
    }
}
