package io.spoolkv.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.spoolkv.protocol.text.StreamCommands;
import io.spoolkv.protocol.text.TextCommandExecutor;
import io.spoolkv.protocol.text.TextCommandHandler;
import io.spoolkv.protocol.text.TextRequestDecoder;
import io.spoolkv.protocol.text.TextResponseEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Builds each connection's pipeline: decoding, encoding and command handling are separate
 * handlers; the shared command layer sits behind the handler.
 */
final class MemcachedChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final String TOO_MANY = "ERROR Too many open connections\r\n";

    private final ConnectionRegistry registry;
    private final TextCommandExecutor executor;
    private final StreamCommands streams;
    private final int maxItemSize;
    private final long idleTimeoutNanos;
    private final Runnable onIdleClose;
    private final Duration closeTimeout;
    private final int maxRetrievalLine;

    MemcachedChannelInitializer(ConnectionRegistry registry, TextCommandExecutor executor, StreamCommands streams,
                                StoreProperties store, ServerProperties server, SpoolProperties spool) {
        this.registry = registry;
        this.closeTimeout = spool.stuckTimeout();
        this.idleTimeoutNanos = server.idleTimeout().toNanos();
        this.onIdleClose = registry::idleClosed;
        this.executor = executor;
        this.streams = streams;
        this.maxItemSize = (int) Math.min(Integer.MAX_VALUE - 2, store.maxItemSize().toBytes());
        this.maxRetrievalLine = (int) server.maxRetrievalLine().toBytes();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!registry.admit(ch)) {
            ch.writeAndFlush(Unpooled.copiedBuffer(TOO_MANY, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ChannelPipeline p = ch.pipeline();
        // Next to the socket: counts bytes read, and bytes written (spooled ones too: the spool writes through the
        // whole pipeline, whose encoder passes buffers on). A streaming connection also gets the spool's handler,
        // first, when it gets its spool.
        p.addLast("traffic", registry.newTrafficCounter());
        if (idleTimeoutNanos > 0) {
            // Only when asked for: it costs a timer per connection.
            p.addLast("idle", new IdleStateHandler(idleTimeoutNanos, 0, 0, TimeUnit.NANOSECONDS));
        }
        p.addLast("decoder", new TextRequestDecoder(maxItemSize, maxRetrievalLine));
        p.addLast("encoder", TextResponseEncoder.INSTANCE);
        // Between decoder and handler: it sees the requests and closes that give a close its reason.
        p.addLast("connevents", new ConnectionEventsHandler(registry.listener(), ConnectionRegistry.clientId(ch)));
        p.addLast("handler", new TextCommandHandler(executor, streams, ConnectionRegistry.clientId(ch), onIdleClose,
                closeTimeout));
    }
}
