package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.spoolkv.protocol.HeldValues;
import java.util.List;

/**
 * Encodes {@link BinaryResponse}s: the header, extras and key into one pooled buffer, and the value behind them.
 * A large value is not copied: an item's stored buffer itself (or a large body built on the heap) leaves right
 * after its header, with a reference of its own; small ones are copied behind the header. Releases each response after encoding it. Sharable: it has no
 * state.
 */
@ChannelHandler.Sharable
public final class BinaryResponseEncoder extends MessageToMessageEncoder<BinaryResponse> {

    public static final BinaryResponseEncoder INSTANCE = new BinaryResponseEncoder();

    /** The response magic. */
    static final byte RESPONSE_MAGIC = (byte) 0x81;
    /** Bodies from this size on are sent as they are instead of copied into the header's buffer. */
    static final int ZERO_COPY_BYTES = HeldValues.ZERO_COPY_BYTES;

    private BinaryResponseEncoder() {
        super(BinaryResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryResponse msg, List<Object> out) {
        ByteBuf value = msg.value();
        int valueLength = value.readableBytes();
        boolean copyValue = valueLength < ZERO_COPY_BYTES;
        int headerAndKey = BinaryRequestDecoder.HEADER_BYTES + msg.extras().length + msg.key().length;
        ByteBuf head = ctx.alloc().ioBuffer(headerAndKey + (copyValue ? valueLength : 0));
        head.writeByte(RESPONSE_MAGIC)
                .writeByte(msg.opcode())
                .writeShort(msg.key().length)
                .writeByte(msg.extras().length)
                .writeByte(0) // data type: raw bytes
                .writeShort(msg.status())
                .writeInt(msg.extras().length + msg.key().length + valueLength)
                .writeInt(msg.opaque())
                .writeLong(msg.cas())
                .writeBytes(msg.extras())
                .writeBytes(msg.key());
        if (copyValue) {
            head.writeBytes(value, value.readerIndex(), valueLength);
            out.add(head);
        } else {
            out.add(head);
            out.add(value.retainedDuplicate()); // the response's own reference goes when the encoder releases it
        }
    }
}
