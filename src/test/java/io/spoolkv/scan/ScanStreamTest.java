package io.spoolkv.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.background.ItemLimits;
import io.spoolkv.background.ItemStream;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A continue's {@link ItemStream} (the scan as cursor, its {@link ScanItemFrames}) filling chunks against a
 * hand-made store iterator and a 4-byte test framing (status, value length), no sockets.
 */
class ScanStreamTest {

    /** Test framing: a 2-byte status and a 2-byte value length. */
    private static final ScanFrames FRAMES = new ScanFrames() {
        @Override
        public int headerBytes() {
            return 4;
        }

        @Override
        public void setHeader(ByteBuf out, int index, short status, boolean keyOnly, int valueBytes) {
            out.setShort(index, status);
            out.setShort(index + 2, valueBytes);
        }
    };

    private static final ScanSpec KEYS_A_TO_Z = new ScanSpec(key("a"), false, key("z"), false, true, 0, 0);

    private static Key key(String s) {
        return Key.wrap(s.getBytes());
    }

    private static Item item(String key) {
        return item(key(key));
    }

    private static Item item(Key key) {
        return new Item(key, Unpooled.EMPTY_BUFFER, 0, 0, 1, 0, false);
    }

    /** A cursor over {@code keys} that runs {@code onRead} when it hands out the item at {@code at}. */
    private static Iterator<Item> cursor(List<String> keys, int at, Runnable onRead) {
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < keys.size();
            }

            @Override
            public Item next() {
                if (i == at) {
                    onRead.run();
                }
                return item(keys.get(i++));
            }
        };
    }

    /** A continue without limits, as the registry builds it. */
    private static ItemStream stream(RangeScan scan) {
        return new ItemStream(scan, ItemLimits.NONE, new ScanItemFrames(FRAMES, scan.spec().keyOnly()));
    }

    /** Reads the test framing: each response's status, in order, checking every length is whole. */
    private static List<Short> statuses(ByteBuf out) {
        List<Short> statuses = new ArrayList<>();
        while (out.isReadable()) {
            statuses.add(out.readShort());
            out.skipBytes(out.readUnsignedShort());
        }
        return statuses;
    }

    /**
     * Property (review finding 1): a cancel seen when the chunk has less room left than one header still ends
     * the continue with a whole "cancelled" (0xA5) response after the items read so far, instead of moving the
     * writer index past the chunk's capacity.
     */
    @Test
    void cancelAtTheEndOfAFullChunkStillEndsWithCancelled() throws Exception {
        String longKey = "k".repeat(30); // header 4 + LEB128 length 1 + 30 = 35 bytes: 1 byte short of the chunk
        RangeScan[] holder = new RangeScan[1];
        // The scan is cancelled while the cursor hands out the first key: that entry is still written, and the
        // cancel is seen right after it, with 1 byte left in the chunk.
        RangeScan scan = new RangeScan(UUID.randomUUID(), null, KEYS_A_TO_Z,
                cursor(List.of(longKey, "l"), 0, () -> holder[0].cancel()), ScanStreamTest::item, 0);
        holder[0] = scan;
        ByteBuf chunk = Unpooled.buffer(36);
        try {
            boolean more = stream(scan).fill(chunk);
            assertThat(more).isFalse();
            assertThat(statuses(chunk)).containsExactly(ScanStatus.SUCCESS, ScanStatus.CANCELLED);
        } finally {
            chunk.release();
        }
    }

    /**
     * Property (review finding 2): filling the last chunk (here 0xA7, the range done) does not hand the scan back:
     * it stays claimed until the task's onDone runs on the event loop after that chunk was written, so no other
     * continue can take it while a paused producer still holds the final response.
     */
    @Test
    void theLastChunkKeepsTheScanClaimedUntilItIsWritten() throws Exception {
        RangeScan scan = new RangeScan(UUID.randomUUID(), null, KEYS_A_TO_Z, cursor(List.of("b", "c"), -1, () -> { }),
                ScanStreamTest::item, 0);
        assertThat(scan.claim()).isTrue();
        ByteBuf chunk = Unpooled.buffer(256);
        try {
            boolean more = stream(scan).fill(chunk);
            assertThat(more).isFalse();
            assertThat(statuses(chunk)).containsExactly(ScanStatus.COMPLETE);
            assertThat(scan.running()).as("still claimed by the continue whose 0xA7 is not written yet").isTrue();
            assertThat(scan.claim()).isFalse();
        } finally {
            chunk.release();
        }
    }

    /**
     * Property (review finding 8): a continue that fails part-way ends with one whole Einternal (0x84) response,
     * so the connection stays open and framed, instead of no failure line (which closes the connection).
     */
    @Test
    void aFailingContinueEndsWithEinternal() {
        RangeScan scan = new RangeScan(UUID.randomUUID(), null, KEYS_A_TO_Z, cursor(List.of("b"), -1, () -> { }),
                ScanStreamTest::item, 0);
        ByteBuf line = stream(scan).failure();
        assertThat(line).isNotNull();
        try {
            assertThat(statuses(line)).containsExactly(ScanStatus.EINTERNAL);
        } finally {
            line.release();
        }
    }

    /**
     * Property (review finding 5): what is sent is each key's item as the store holds it at send time, not the
     * one read ahead: a key deleted since is skipped, a key updated since goes out with its new value.
     */
    @Test
    void sendsTheItemAsItIsAtSendTimeNotTheReadAheadOne() throws Exception {
        ScanSpec documents = new ScanSpec(key("a"), false, key("z"), false, false, 0, 0);
        Map<Key, Item> store = new HashMap<>();
        for (String k : List.of("b", "c", "d")) {
            store.put(key(k), new Item(key(k), Unpooled.wrappedBuffer("old".getBytes()), 0, 0, 1, 0, false));
        }
        Iterator<Item> cursor = List.copyOf(store.values()).stream()
                .sorted(java.util.Comparator.comparing(Item::key)).iterator();
        RangeScan scan = new RangeScan(UUID.randomUUID(), null, documents, cursor, store::get, 0);
        assertThat(scan.exhausted()).isFalse(); // "b" is read ahead now, as a create does
        store.remove(key("b"));
        store.put(key("c"), new Item(key("c"), Unpooled.wrappedBuffer("new".getBytes()), 0, 0, 2, 0, false));
        ByteBuf chunk = Unpooled.buffer(256);
        try {
            assertThat(stream(scan).fill(chunk)).isFalse();
            String sent = chunk.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
            // document entries end with: key length, key, value length, value
            assertThat(sent).doesNotContain("\u0001b\u0003"); // deleted since the read ahead: not sent
            assertThat(sent).contains("\u0001c\u0003new").doesNotContain("\u0001c\u0003old"); // updated since
            assertThat(sent).contains("\u0001d\u0003old");
            assertThat(statuses(chunk)).containsExactly(ScanStatus.COMPLETE);
        } finally {
            chunk.release();
        }
    }
}
