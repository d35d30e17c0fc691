package io.spoolkv.protocol;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The ending every protocol handler shares: close once what was written reached the socket, or at a deadline. */
public final class FlushThenClose {

    private static final Logger LOG = LoggerFactory.getLogger(FlushThenClose.class);

    private FlushThenClose() {
    }

    /**
     * Closes after every reply and fragment written so far has reached the socket ({@code close()} would drop
     * them); a client that stops reading would hold the connection open for ever, so it is closed anyway after
     * {@code timeoutNanos}. Event loop only.
     */
    public static void close(ChannelHandlerContext ctx, long timeoutNanos) {
        ChannelFuture flushed = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
        flushed.addListener(ChannelFutureListener.CLOSE);
        if (!flushed.isDone()) {
            ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
                LOG.debug("closing {}: its client took no answer for {} ms", ctx.channel(), timeoutNanos / 1_000_000);
                ctx.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
            flushed.addListener(f -> deadline.cancel(false));
        }
    }
}
