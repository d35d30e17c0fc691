package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Encodes {@link TextResponse}s into one pooled buffer each; sharable because it has no state. */
@ChannelHandler.Sharable
public final class TextResponseEncoder extends MessageToByteEncoder<TextResponse> {

    public static final TextResponseEncoder INSTANCE = new TextResponseEncoder();

    private TextResponseEncoder() {
        super(TextResponse.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, TextResponse msg, boolean preferDirect) {
        return ctx.alloc().ioBuffer(msg.sizeHint());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, TextResponse msg, ByteBuf out) {
        msg.encode(out);
    }
}
