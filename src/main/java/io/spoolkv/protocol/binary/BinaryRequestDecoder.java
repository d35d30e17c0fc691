package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.spoolkv.protocol.PausableDecoder;
import io.spoolkv.store.Key;
import java.util.List;

/**
 * Frames memcached's binary protocol: a 24-byte header, then extras, key and value as the header's lengths say.
 * Emits one {@link BinaryRequest} per decode step (so the handler can hold it back, see {@link PausableDecoder}),
 * in order, errors included, so responses never overtake each other. Everything it emits is plain heap data.
 *
 * <p><b>Bounded.</b> The header is checked before any body is buffered: a storage request's value over the item
 * limit is skipped as it arrives ({@link BinaryRequest.TooLarge}), an unknown opcode's body too
 * ({@link BinaryRequest.Unknown}), and any other body is at most a key and 20 bytes of extras, or the request is
 * {@link BinaryRequest.Malformed}. So a connection buffers at most one item-sized request.
 */
public final class BinaryRequestDecoder extends PausableDecoder {

    public static final int HEADER_BYTES = 24;
    /** The first byte of every request. */
    public static final byte REQUEST_MAGIC = (byte) 0x80;

    private final int maxItemSize;
    /** Body bytes still to skip (a value too large, an unknown opcode's body). */
    private long swallowing;
    /** After a fatal error everything else the client sends is ignored. */
    private boolean failed;

    public BinaryRequestDecoder(int maxItemSize) {
        this.maxItemSize = maxItemSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (paused() || !out.isEmpty()) {
                return; // one request per step: the handler may pause us after each
            }
            if (failed) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (swallowing > 0) {
                int skip = (int) Math.min(swallowing, in.readableBytes());
                in.skipBytes(skip);
                swallowing -= skip;
                continue;
            }
            if (!readRequest(in, out)) {
                return;
            }
        }
    }

    /** Reads one request if all of it that must be buffered is here; false to wait for more bytes. */
    private boolean readRequest(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < HEADER_BYTES) {
            return false;
        }
        int at = in.readerIndex();
        if (in.getByte(at) != REQUEST_MAGIC) {
            fail(in, out, new BinaryRequest.BadMagic());
            return false;
        }
        byte opcode = in.getByte(at + 1);
        int keyLength = in.getUnsignedShort(at + 2);
        int extrasLength = in.getUnsignedByte(at + 4);
        long bodyLength = in.getUnsignedInt(at + 8);
        int opaque = in.getInt(at + 12);
        long cas = in.getLong(at + 16);
        int vbucket = in.getUnsignedShort(at + 6);
        Opcodes.Shape shape = Opcodes.shape(opcode);
        if (shape == null) {
            in.skipBytes(HEADER_BYTES);
            swallowing = bodyLength;
            out.add(new BinaryRequest.Unknown(opcode, opaque));
            return true;
        }
        if (keyLength > Key.MAX_LENGTH || !shape.accepts(extrasLength, keyLength, bodyLength)) {
            fail(in, out, new BinaryRequest.Malformed(opcode, opaque));
            return false;
        }
        long valueLength = bodyLength - extrasLength - keyLength;
        boolean tooLarge = valueLength > maxItemSize; // only storage shapes allow a value at all
        long needed = HEADER_BYTES + extrasLength + keyLength + (tooLarge ? 0 : valueLength);
        if (in.readableBytes() < needed) {
            return false;
        }
        in.skipBytes(HEADER_BYTES);
        byte[] extras = bytes(in, extrasLength);
        byte[] key = bytes(in, keyLength);
        if (tooLarge) {
            swallowing = valueLength;
            out.add(new BinaryRequest.TooLarge(opcode, opaque, key));
        } else {
            out.add(new BinaryRequest.Command(opcode, opaque, cas, extras, key, bytes(in, (int) valueLength),
                    vbucket));
        }
        return true;
    }

    private void fail(ByteBuf in, List<Object> out, BinaryRequest request) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(request);
    }

    private static byte[] bytes(ByteBuf in, int length) {
        if (length == 0) {
            return BinaryResponse.NONE;
        }
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }
}
