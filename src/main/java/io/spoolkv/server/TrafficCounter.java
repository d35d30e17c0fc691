package io.spoolkv.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import io.spoolkv.counters.ThreadCounters.Counter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Next to the socket: counts a connection's bytes per read and per write (one add per buffer, never
 * per byte) into the server-wide totals, and remembers when the client last sent something, for
 * memcached's bytes_read, bytes_written and {@code stats conns}. One instance per connection. Every
 * store here is a plain one on the event loop (per-thread counter cells, a release write of the time):
 * no locked instruction per read or write.
 */
final class TrafficCounter extends ChannelDuplexHandler {

    static final AttributeKey<TrafficCounter> KEY = AttributeKey.valueOf("spoolkv.traffic");

    private final Counter bytesRead;
    private final Counter bytesWritten;
    private static final VarHandle LAST_READ;

    static {
        try {
            LAST_READ = MethodHandles.lookup().findVarHandle(TrafficCounter.class, "lastReadNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * System.nanoTime() of the last read; written on the event loop with release (a volatile write would fence
     * every read), read by stats from any thread with acquire.
     */
    @SuppressWarnings("unused") // through LAST_READ
    private long lastReadNanos = System.nanoTime();

    TrafficCounter(Counter bytesRead, Counter bytesWritten) {
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
            LAST_READ.setRelease(this, System.nanoTime());
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
        return (System.nanoTime() - (long) LAST_READ.getAcquire(this)) / 1_000_000_000L;
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        return msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    }
}
