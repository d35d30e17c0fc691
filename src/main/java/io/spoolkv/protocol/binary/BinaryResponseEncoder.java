package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link BinaryResponse}s: the header, extras and key into one pooled buffer, and the value behind them.
 * An item's value is not copied: the stored buffer itself leaves right after its header, with a reference of
 * its own; so does a large body built on the heap. Releases each response after encoding it. Sharable: it has no
 * state.
 */
@ChannelHandler.Sharable
public final class BinaryResponseEncoder extends MessageToMessageEncoder<BinaryResponse> {

    public static final BinaryResponseEncoder INSTANCE = new BinaryResponseEncoder();

    /** The response magic. */
    static final byte RESPONSE_MAGIC = (byte) 0x81;
    /** Bodies built on the heap from this size on are sent as they are instead of copied into the header's buffer. */
    static final int ZERO_COPY_BYTES = 8 * 1024;

    private BinaryResponseEncoder() {
        super(BinaryResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryResponse msg, List<Object> out) {
        ByteBuf value = msg.value();
        int valueLength = value.readableBytes();
        boolean copyValue = value.hasArray() && valueLength < ZERO_COPY_BYTES;
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
