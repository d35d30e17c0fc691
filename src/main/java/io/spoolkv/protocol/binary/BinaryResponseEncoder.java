package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.spoolkv.protocol.EncodedBuffer;
import io.spoolkv.protocol.HeldValues;
import java.util.List;

/**
 * Encodes {@link BinaryReply}s. A {@link BinaryResponse}: the header, extras and key into one pooled buffer, and the
 * value behind them.
 * A large value is not copied: an item's stored buffer itself (or a large body built on the heap) leaves right
 * after its header, with a reference of its own; small ones are copied behind the header. Releases each response after encoding it. Sharable: it has no
 * state. A {@link BinaryStatBlock}: all its responses into one pooled buffer.
 */
@ChannelHandler.Sharable
public final class BinaryResponseEncoder extends MessageToMessageEncoder<BinaryReply> {

    public static final BinaryResponseEncoder INSTANCE = new BinaryResponseEncoder();

    /** The response magic. */
    static final byte RESPONSE_MAGIC = (byte) 0x81;
    /** Bodies from this size on are sent as they are instead of copied into the header's buffer. */
    static final int ZERO_COPY_BYTES = HeldValues.ZERO_COPY_BYTES;

    private BinaryResponseEncoder() {
        super(BinaryReply.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryReply reply, List<Object> out) {
        if (reply instanceof BinaryStatBlock block) {
            out.add(EncodedBuffer.of(ctx.alloc(), block.size(), block::encode));
            return;
        }
        BinaryResponse msg = (BinaryResponse) reply;
        ByteBuf value = msg.value();
        int valueLength = value.readableBytes();
        boolean copyValue = valueLength < ZERO_COPY_BYTES;
        int headerAndKey = BinaryRequestDecoder.HEADER_BYTES + msg.extras().length + msg.key().length;
        ByteBuf head = ctx.alloc().ioBuffer(headerAndKey + (copyValue ? valueLength : 0));
        writeHeader(head, msg.opcode(), msg.key().length, msg.extras().length, msg.status(),
                msg.extras().length + msg.key().length + valueLength, msg.opaque(), msg.cas());
        head.writeBytes(msg.extras()).writeBytes(msg.key());
        if (copyValue) {
            head.writeBytes(value, value.readerIndex(), valueLength);
            out.add(head);
        } else {
            out.add(head);
            out.add(value.retainedDuplicate()); // the response's own reference goes when the encoder releases it
        }
    }

    /** A response header (24 bytes, data type raw). */
    static void writeHeader(ByteBuf out, byte opcode, int keyLength, int extrasLength, short status, int bodyLength,
                            int opaque, long cas) {
        out.writeByte(RESPONSE_MAGIC)
                .writeByte(opcode)
                .writeShort(keyLength)
                .writeByte(extrasLength)
                .writeByte(0) // data type: raw bytes
                .writeShort(status)
                .writeInt(bodyLength)
                .writeInt(opaque)
                .writeLong(cas);
    }
}
