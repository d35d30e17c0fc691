package io.spoolkv.protocol.binary;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.scan.ScanStatus;
import io.spoolkv.scan.ScanValues;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The bytes of a range-scan continue's responses, as kv_engine's range_scan_continue.md lays them out: uleb128
 * lengths, the 25-byte document metadata, and the response header with its 4-byte flags extras. Buffers come
 * from an {@link EmbeddedChannel}'s pooled allocator and are released (the leak check runs on every class).
 */
class ScanFramesTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    private byte[] written(java.util.function.Consumer<ByteBuf> writer) {
        ByteBuf out = channel.alloc().buffer();
        try {
            writer.accept(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Property: uleb128 puts seven bits a byte, low group first, with the high bit on every byte but the last. */
    @Test
    void uleb128EncodesSevenBitsPerByteLowFirst() {
        assertThat(written(b -> ScanValues.writeUleb128(b, 0))).containsExactly(0x00);
        assertThat(written(b -> ScanValues.writeUleb128(b, 4))).containsExactly(0x04);
        assertThat(written(b -> ScanValues.writeUleb128(b, 127))).containsExactly(0x7f);
        assertThat(written(b -> ScanValues.writeUleb128(b, 128))).containsExactly(0x80, 0x01);
        assertThat(written(b -> ScanValues.writeUleb128(b, 300))).containsExactly(0xac, 0x02);
        assertThat(written(b -> ScanValues.writeUleb128(b, 16_384))).containsExactly(0x80, 0x80, 0x01);
        assertThat(written(b -> ScanValues.writeUleb128(b, 0xffffffffL)))
                .containsExactly(0xff, 0xff, 0xff, 0xff, 0x0f);
        for (long v : new long[] {0, 127, 128, 16_383, 16_384, 0xffffffffL}) {
            assertThat(ScanValues.uleb128Bytes(v)).as("size of %d", v).isEqualTo(written(o -> ScanValues.writeUleb128(o, v)).length);
        }
    }

    /** Property: a key-only entry is the key's length then the key (kv_engine's 128-byte example: 0x80 0x01). */
    @Test
    void keyOnlyEntryIsLengthThenKey() {
        byte[] key = new byte[128];
        Arrays.fill(key, (byte) 'k');
        Item item = new Item(Key.wrap(key), Unpooled.EMPTY_BUFFER, 0, 0, 1, 0, false);
        byte[] bytes = written(b -> ScanValues.writeKey(b, item));
        assertThat(bytes).hasSize(130);
        assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0x80, 0x01);
        assertThat(Arrays.copyOfRange(bytes, 2, 130)).isEqualTo(key);
    }

    /** Property: a document is flags, expiry, seqno, cas (big-endian), datatype, then uleb128 key and value. */
    @Test
    void documentCarriesTheMetadataHeaderThenKeyAndValue() {
        Item item = new Item(Key.of("key0"), Unpooled.wrappedBuffer("value0".getBytes()), 0x01020304, 0x05060708L,
                0x1112131415161718L, 0, false);
        byte[] bytes = written(b -> assertThat(ScanValues.writeDocument(b, item)).isTrue());
        item.release();
        byte[] expected = {
                0x01, 0x02, 0x03, 0x04, // flags
                0x05, 0x06, 0x07, 0x08, // expiry
                0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, // seqno (spoolkv: the CAS)
                0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, // cas
                0x00, // datatype: raw
                0x04, 'k', 'e', 'y', '0',
                0x06, 'v', 'a', 'l', 'u', 'e', '0'};
        assertThat(bytes).containsExactly(expected);
        assertThat(ScanValues.entryBytes(item, false)).isEqualTo(expected.length);
        assertThat(ScanValues.entryBytes(item, true)).isEqualTo(5);
        assertThat(ScanValues.DOCUMENT_META_BYTES).isEqualTo(25);
    }

    /** Property: the response header echoes the opaque, carries the status, 4 bytes of flags extras and the body length. */
    @Test
    void headerIsAContinueResponseWithFlagsExtras() {
        BinaryScanFrames frames = new BinaryScanFrames(0x0a0b0c0d);
        assertThat(frames.headerBytes()).isEqualTo(28);
        byte[] keys = written(b -> {
            b.writeZero(frames.headerBytes());
            b.writeBytes(new byte[] {0x01, 'a'});
            frames.setHeader(b, 0, ScanStatus.MORE, true, 2);
        });
        assertThat(keys).containsExactly(0x81, 0xdb, 0x00, 0x00, 0x04, 0x00, 0x00, 0xa6,
                0x00, 0x00, 0x00, 0x06, 0x0a, 0x0b, 0x0c, 0x0d,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, // flags 0: keys only
                0x01, 'a');
        byte[] documents = written(b -> {
            b.writeZero(frames.headerBytes());
            frames.setHeader(b, 0, ScanStatus.COMPLETE, false, 0);
        });
        assertThat(documents[7] & 0xff).isEqualTo(0xa7);
        assertThat(Arrays.copyOfRange(documents, 24, 28)).containsExactly(0x00, 0x00, 0x00, 0x01);
    }
}
