package io.spoolkv.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.protocol.binary.BinaryRequestDecoder;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a connection's protocol from its first byte, as memcached does: the binary request magic (0x80) means
 * binary, anything else text. It then adds that protocol's handlers and removes itself, passing on the bytes it
 * read. A connection that ends before sending a byte (shutdown, idle timeout, half-close) is closed here.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolDetector.class);

    private final Consumer<ChannelHandlerContext> text;
    private final Consumer<ChannelHandlerContext> binary;
    private final Runnable onIdleClose;

    /**
     * @param text adds the text protocol's handlers behind this one
     * @param binary adds the binary protocol's handlers behind this one
     */
    ProtocolDetector(Consumer<ChannelHandlerContext> text, Consumer<ChannelHandlerContext> binary,
                     Runnable onIdleClose) {
        this.text = text;
        this.binary = binary;
        this.onIdleClose = onIdleClose;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        try {
            (in.getByte(in.readerIndex()) == BinaryRequestDecoder.REQUEST_MAGIC ? binary : text).accept(ctx);
        } catch (RuntimeException e) {
            // no protocol to hand the bytes to: drop them (a retry would only buffer more) and end the connection
            LOG.debug("closing connection {}: protocol setup failed: {}", ctx.channel(), e.toString());
            in.skipBytes(in.readableBytes());
            ctx.channel().close();
            return;
        }
        // removing a ByteToMessageDecoder hands what it has buffered to the handler after it
        ctx.pipeline().remove(this);
    }

    /**
     * Before the first byte no protocol handler is there to end the connection: a failed TLS handshake or a reset
     * stops here (closed through the whole pipeline, so the close is recorded as an error) instead of reaching the
     * pipeline's tail as a warning.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing connection {} before its first request after {}", ctx.channel(), cause.toString());
        ctx.channel().close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DrainConnection.INSTANCE || evt == ChannelInputShutdownEvent.INSTANCE
                || evt instanceof IdleStateEvent) {
            // nothing was asked, so nothing to answer: let the close reason be recorded, then close
            ctx.fireUserEventTriggered(evt);
            if (evt instanceof IdleStateEvent) {
                onIdleClose.run();
            }
            ctx.channel().close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
