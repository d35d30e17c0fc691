package io.spoolkv.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.LongAdder;

/**
 * Next to the socket: counts a connection's bytes per read and per write (one add per buffer, never
 * per byte) into the server-wide totals, and remembers when the client last sent something, for
 * memcached's bytes_read, bytes_written and {@code stats conns}. One instance per connection.
 */
final class TrafficCounter extends ChannelDuplexHandler {

    static final AttributeKey<TrafficCounter> KEY = AttributeKey.valueOf("spoolkv.traffic");

    private final LongAdder bytesRead;
    private final LongAdder bytesWritten;
    /** System.nanoTime() of the last read; written on the event loop, read by stats from any thread. */
    private volatile long lastReadNanos = System.nanoTime();

    TrafficCounter(LongAdder bytesRead, LongAdder bytesWritten) {
        this.bytesRead = bytesRead;
        this.bytesWritten = bytesWritten;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int n = size(msg);
        if (n > 0) {
            bytesRead.add(n);
            lastReadNanos = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        int n = size(msg);
        if (n > 0) {
            bytesWritten.add(n);
        }
        ctx.write(msg, promise);
    }

    long idleSeconds() {
        return (System.nanoTime() - lastReadNanos) / 1_000_000_000L;
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        return msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    }
}
