package io.spoolkv.protocol.text;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection once everything written to it so far has reached the socket (a plain close would drop
 * the last answers), and closes it anyway after a deadline ({@code spoolkv.spool.stuck-timeout}): a client
 * that stops reading would otherwise hold the connection, and what it was sent, for ever.
 */
public final class CloseWhenFlushed {

    private static final Logger LOG = LoggerFactory.getLogger(CloseWhenFlushed.class);

    private CloseWhenFlushed() {
    }

    /** Call on the channel's event loop. */
    public static void close(ChannelHandlerContext ctx, long deadlineNanos) {
        ChannelFuture flushed = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
        flushed.addListener(ChannelFutureListener.CLOSE);
        if (!flushed.isDone()) {
            ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
                LOG.debug("closing {}: its client took no answer for {} ms", ctx.channel(), deadlineNanos / 1_000_000);
                ctx.close();
            }, deadlineNanos, TimeUnit.NANOSECONDS);
            flushed.addListener(f -> deadline.cancel(false));
        }
    }
}
