package io.spoolkv.protocol.binary;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.NOOP;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.STAT;
import static io.spoolkv.testsupport.BinaryPackets.ascii;
import static io.spoolkv.testsupport.BinaryPackets.concat;
import static io.spoolkv.testsupport.BinaryPackets.empty;
import static io.spoolkv.testsupport.BinaryPackets.keyOnly;
import static io.spoolkv.testsupport.BinaryPackets.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus;
import io.spoolkv.command.Stat;
import io.spoolkv.testsupport.BinaryPackets;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The binary codec on an {@link EmbeddedChannel}: framing, bounds, and the encoder's wire format. */
class BinaryCodecTest {

    private static final int MAX_ITEM = 1024;

    private final EmbeddedChannel decoder = new EmbeddedChannel(new BinaryRequestDecoder(MAX_ITEM));
    private final EmbeddedChannel encoder = new EmbeddedChannel(BinaryResponseEncoder.INSTANCE);

    @AfterEach
    void close() {
        decoder.finishAndReleaseAll();
        encoder.finishAndReleaseAll();
    }

    private List<BinaryRequest> decode(byte[] bytes, int pieceSize) {
        for (int i = 0; i < bytes.length; i += pieceSize) {
            decoder.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(pieceSize, bytes.length - i)));
        }
        List<BinaryRequest> out = new ArrayList<>();
        for (Object o; (o = decoder.readInbound()) != null; ) {
            out.add((BinaryRequest) o);
        }
        return out;
    }

    /** Framing does not depend on how the bytes arrive: one byte at a time gives the same requests. */
    @Test
    void requestsSplitAnywhereDecodeTheSame() {
        byte[] stream = concat(store(SET, 1, 5, "key", ascii("value"), 7, 60), keyOnly(GET, 2, "key"), empty(NOOP, 3));
        List<BinaryRequest> oneByOne = decode(stream, 1);
        assertThat(oneByOne).hasSize(3);
        BinaryRequest.Command set = (BinaryRequest.Command) oneByOne.get(0);
        assertThat(set.opcode()).isEqualTo(SET);
        assertThat(set.opaque()).isEqualTo(1);
        assertThat(set.cas()).isEqualTo(5);
        assertThat(set.extras()).hasSize(8);
        assertThat(new String(set.key())).isEqualTo("key");
        assertThat(new String(set.value())).isEqualTo("value");
        assertThat(((BinaryRequest.Command) oneByOne.get(1)).key()).isEqualTo(ascii("key"));
        assertThat(oneByOne.get(2).opaque()).isEqualTo(3);
    }

    /** A value over the limit is skipped as it arrives, never buffered whole, and the next request decodes. */
    @Test
    void aTooLargeValueIsSkippedWithoutBeingBuffered() {
        byte[] big = store(SET, 4, 0, "big", new byte[MAX_ITEM * 100], 0, 0);
        List<BinaryRequest> out = new ArrayList<>(decode(big, 4096));
        BinaryRequestDecoder d = decoder.pipeline().get(BinaryRequestDecoder.class);
        assertThat(d.bufferedBytes()).as("nothing of the value is held").isLessThan(4096);
        out.addAll(decode(empty(NOOP, 5), 24));
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isInstanceOf(BinaryRequest.TooLarge.class);
        assertThat(((BinaryRequest.TooLarge) out.get(0)).key()).isEqualTo(ascii("big"));
        assertThat(out.get(1).opaque()).isEqualTo(5);
    }

    @Test
    void anUnknownOpcodesBodyIsSkipped() {
        List<BinaryRequest> out = decode(concat(BinaryPackets.request(0x60, 8, 0, new byte[3], ascii("k"),
                new byte[5000]), empty(NOOP, 9)), 700);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isInstanceOf(BinaryRequest.Unknown.class);
        assertThat(out.get(0).opcode()).isEqualTo((byte) 0x60);
        assertThat(out.get(1).opaque()).isEqualTo(9);
    }

    /** Lengths that do not fit the opcode end decoding: nothing after them is trusted. */
    @Test
    void lengthsThatDoNotFitTheOpcodeAreMalformedAndEndDecoding() {
        byte[] getWithExtras = BinaryPackets.request(GET, 6, 0, new byte[4], ascii("k"), new byte[0]);
        List<BinaryRequest> out = decode(concat(getWithExtras, empty(NOOP, 7)), 1000);
        assertThat(out).containsExactly(new BinaryRequest.Malformed(GET, 6, BinaryMemcacheResponseStatus.EINVA));
        byte[] noopWithBody = BinaryPackets.request(NOOP, 1, 0, new byte[0], new byte[0], ascii("x"));
        EmbeddedChannel other = new EmbeddedChannel(new BinaryRequestDecoder(MAX_ITEM));
        other.writeInbound(Unpooled.wrappedBuffer(noopWithBody));
        assertThat((Object) other.readInbound()).isEqualTo(new BinaryRequest.Malformed(NOOP, 1, BinaryMemcacheResponseStatus.EINVA));
        other.finishAndReleaseAll();
    }

    /**
     * memcached's order of checks: key and extras longer than the body is "unknown command" (and the end), for any
     * opcode; then a key over 250 bytes is "invalid arguments" (and the end), for unknown opcodes too; only then is
     * an unknown opcode skipped, or a known one's shape checked.
     */
    @Test
    void lengthChecksComeBeforeTheOpcodeAsInMemcached() {
        byte unknown = 0x70;
        assertThat(decodeAlone(header(unknown, 1, 5, 3), 1))
                .containsExactly(new BinaryRequest.Malformed(unknown, 1, BinaryMemcacheResponseStatus.UNKNOWN_COMMAND));
        assertThat(decodeAlone(header(GET, 1, 5, 3), 2))
                .containsExactly(new BinaryRequest.Malformed(GET, 2, BinaryMemcacheResponseStatus.UNKNOWN_COMMAND));
        byte[] unknownLongKey = BinaryPackets.request(unknown, 3, 0, new byte[0], ascii("k".repeat(300)), new byte[0]);
        assertThat(decodeAlone(concat(unknownLongKey, empty(NOOP, 4)), 3))
                .containsExactly(new BinaryRequest.Malformed(unknown, 3, BinaryMemcacheResponseStatus.EINVA));
    }

    /** VERBOSITY (0x1b) is no memcached binary command: it is unknown, its body skipped, and decoding goes on. */
    @Test
    void verbosityIsAnUnknownOpcode() {
        byte[] verbosity = BinaryPackets.request(0x1b, 8, 0, new byte[4], new byte[0], new byte[0]);
        List<BinaryRequest> out = decode(concat(verbosity, empty(NOOP, 9)), 1000);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isEqualTo(new BinaryRequest.Unknown((byte) 0x1b, 8));
        assertThat(out.get(1).opaque()).isEqualTo(9);
    }

    /** A request header whose lengths are given as is (to send ones that do not add up), with that many bytes after. */
    private static byte[] header(byte opcode, int keyLength, int extrasLength, int bodyLength) {
        return ByteBuffer.allocate(24 + bodyLength).put((byte) 0x80).put(opcode).putShort((short) keyLength)
                .put((byte) extrasLength).put((byte) 0).putShort((short) 0).putInt(bodyLength).putInt(0).putLong(0)
                .array();
    }

    /** Decodes on a fresh channel (the first opaque read is {@code opaque}), since a fatal request ends one. */
    private static List<BinaryRequest> decodeAlone(byte[] bytes, int opaque) {
        byte[] withOpaque = bytes.clone();
        ByteBuffer.wrap(withOpaque).putInt(12, opaque);
        EmbeddedChannel fresh = new EmbeddedChannel(new BinaryRequestDecoder(MAX_ITEM));
        try {
            fresh.writeInbound(Unpooled.wrappedBuffer(withOpaque));
            List<BinaryRequest> out = new ArrayList<>();
            for (Object o; (o = fresh.readInbound()) != null; ) {
                out.add((BinaryRequest) o);
            }
            return out;
        } finally {
            fresh.finishAndReleaseAll();
        }
    }

    @Test
    void aWrongMagicIsBadMagic() {
        List<BinaryRequest> out = decode(BinaryPackets.packet(0x81, NOOP, 1, 0, new byte[0], new byte[0],
                new byte[0]), 24);
        assertThat(out).containsExactly(new BinaryRequest.BadMagic());
    }

    /**
     * Proves: a STAT answer leaves as one buffer, not one per stat, holding one response per stat (name as key,
     * value as value, opaque echoed) and the empty response that ends it.
     */
    @Test
    void aStatBlockIsOneBufferOfResponsesEndedByAnEmptyOne() throws Exception {
        encoder.writeOutbound(new BinaryStatBlock(STAT, 7, List.of(Stat.of("pid", 12), Stat.of("version", "1.6.18"))));
        ByteBuf buf = encoder.readOutbound();
        assertThat((Object) encoder.readOutbound()).as("one buffer").isNull();
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        List<BinaryPackets.Response> responses = new ArrayList<>();
        while (in.available() > 0) {
            responses.add(BinaryPackets.read(in));
        }
        assertThat(responses).extracting(BinaryPackets.Response::keyText).containsExactly("pid", "version", "");
        assertThat(responses).extracting(BinaryPackets.Response::valueText).containsExactly("12", "1.6.18", "");
        assertThat(responses).allSatisfy(r -> {
            assertThat(r.magic()).isEqualTo(0x81);
            assertThat(r.opcode()).isEqualTo((int) STAT);
            assertThat(r.opaque()).isEqualTo(7);
            assertThat(r.status()).isZero();
        });
    }

    /** The encoder writes memcached's response header; a large value leaves as the item's own bytes, uncopied. */
    @Test
    void responsesHaveTheWireFormatAndLargeValuesAreNotCopied() throws Exception {
        byte[] small = ascii("hello");
        encoder.writeOutbound(new BinaryResponse(GET, (short) 0, 42, 99L, new byte[] {0, 0, 0, 7}, ascii("k"), small));
        ByteBuf one = encoder.readOutbound();
        byte[] bytes = new byte[one.readableBytes()];
        one.readBytes(bytes);
        one.release();
        BinaryPackets.Response r = BinaryPackets.read(new ByteArrayInputStream(bytes));
        assertThat(r.magic()).isEqualTo(0x81);
        assertThat(r.opcode()).isEqualTo(GET);
        assertThat(r.opaque()).isEqualTo(42);
        assertThat(r.cas()).isEqualTo(99);
        assertThat(r.flags()).isEqualTo(7);
        assertThat(r.keyText()).isEqualTo("k");
        assertThat(r.valueText()).isEqualTo("hello");

        byte[] large = new byte[BinaryResponseEncoder.ZERO_COPY_BYTES];
        encoder.writeOutbound(new BinaryResponse(GET, (short) 0, 1, 1L, new byte[4], new byte[0], large));
        ByteBuf header = encoder.readOutbound();
        ByteBuf value = encoder.readOutbound();
        try {
            assertThat(header.readableBytes()).isEqualTo(24 + 4);
            assertThat(header.getInt(8)).as("total body length").isEqualTo(4 + large.length);
            assertThat(value.hasArray() && value.array() == large).as("the value is the item's array").isTrue();
        } finally {
            header.release();
            value.release();
        }
    }

    /**
     * Zero-copy binary gets: the (large) value a GET hit sends is the stored buffer's own memory, as
     * BinaryCommandExecutor.get builds the response (the item's retained value), not a copy.
     */
    @Test
    void aHitsValueLeavesAsTheStoredBufferItself() {
        io.spoolkv.store.MemoryItemStore store = new io.spoolkv.store.MemoryItemStore(
                new io.spoolkv.config.StoreProperties(org.springframework.util.unit.DataSize.ofMegabytes(1),
                        org.springframework.util.unit.DataSize.ofKilobytes(64), true),
                io.spoolkv.store.MutableClock.atDefaultStart());
        io.spoolkv.store.Key key = io.spoolkv.store.Key.of("k");
        byte[] stored = new byte[BinaryResponseEncoder.ZERO_COPY_BYTES];
        java.util.Arrays.fill(stored, (byte) 's');
        store.store(io.spoolkv.store.StoreRequest.of(io.spoolkv.store.StoreMode.SET, key, stored, 0, 0));
        io.spoolkv.store.Item item = store.get(key);
        List<ByteBuf> sent = new ArrayList<>();
        try {
            encoder.writeOutbound(new BinaryResponse(GET, (short) 0, 1, item.cas(), new byte[4], new byte[0],
                    item.retainedValue()));
            for (Object o; (o = encoder.readOutbound()) != null; ) {
                sent.add((ByteBuf) o);
            }
            assertThat(sent).hasSize(2);
            assertThat(item.isValueMemory(sent.get(1))).as("the value is the stored buffer").isTrue();
            assertThat(sent.get(0).getInt(8)).as("total body length").isEqualTo(4 + stored.length);
        } finally {
            item.release();
            sent.forEach(ByteBuf::release);
            store.close();
        }
    }
}
