package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link BinaryResponse}s: the header, extras and key into one pooled buffer, and the value behind them.
 * A large value is not copied: it leaves as a wrapped buffer over the item's own bytes, right after its header.
 * Sharable: it has no state.
 */
@ChannelHandler.Sharable
public final class BinaryResponseEncoder extends MessageToMessageEncoder<BinaryResponse> {

    public static final BinaryResponseEncoder INSTANCE = new BinaryResponseEncoder();

    /** The response magic. */
    static final byte RESPONSE_MAGIC = (byte) 0x81;
    /** Values from this size on are sent from the item's bytes instead of copied into the header's buffer. */
    static final int ZERO_COPY_BYTES = 8 * 1024;

    private BinaryResponseEncoder() {
        super(BinaryResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryResponse msg, List<Object> out) {
        byte[] value = msg.value();
        boolean copyValue = value.length < ZERO_COPY_BYTES;
        int headerAndKey = BinaryRequestDecoder.HEADER_BYTES + msg.extras().length + msg.key().length;
        ByteBuf head = ctx.alloc().ioBuffer(headerAndKey + (copyValue ? value.length : 0));
        head.writeByte(RESPONSE_MAGIC)
                .writeByte(msg.opcode())
                .writeShort(msg.key().length)
                .writeByte(msg.extras().length)
                .writeByte(0) // data type: raw bytes
                .writeShort(msg.status())
                .writeInt(msg.extras().length + msg.key().length + value.length)
                .writeInt(msg.opaque())
                .writeLong(msg.cas())
                .writeBytes(msg.extras())
                .writeBytes(msg.key());
        if (copyValue) {
            head.writeBytes(value);
            out.add(head);
        } else {
            out.add(head);
            out.add(Unpooled.wrappedBuffer(value));
        }
    }
}
