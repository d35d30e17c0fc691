package io.spoolkv.protocol.text;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.spoolkv.protocol.EncodedBuffer;
import java.util.List;

/**
 * Encodes {@link TextResponse}s: each into one pooled buffer, except VALUE blocks, whose values leave as the
 * stored buffers themselves (no copy). Releases each reply after encoding it; sharable because it has no state.
 */
@ChannelHandler.Sharable
public final class TextResponseEncoder extends MessageToMessageEncoder<TextResponse> {

    public static final TextResponseEncoder INSTANCE = new TextResponseEncoder();

    private TextResponseEncoder() {
        super(TextResponse.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, TextResponse msg, List<Object> out) {
        if (msg instanceof TextResponse.Values values) {
            values.encode(ctx.alloc(), out);
            return;
        }
        out.add(EncodedBuffer.of(ctx.alloc(), msg.sizeHint(), msg::encode));
    }
}
