package io.spoolkv.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.spoolkv.config.StoreProperties;
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
    private final ChannelHandler spoolHandler;
    private final TextCommandExecutor executor;
    private final StreamCommands streams;
    private final int maxItemSize;

    MemcachedChannelInitializer(ConnectionRegistry registry, ChannelHandler spoolHandler,
                                TextCommandExecutor executor, StreamCommands streams, StoreProperties store) {
        this.registry = registry;
        this.spoolHandler = spoolHandler;
        this.executor = executor;
        this.streams = streams;
        this.maxItemSize = (int) Math.min(Integer.MAX_VALUE - 2, store.maxItemSize().toBytes());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!registry.admit(ch)) {
            ch.writeAndFlush(Unpooled.copiedBuffer(TOO_MANY, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ChannelPipeline p = ch.pipeline();
        // First, next to the socket: spooled fragments enter the pipeline here and pass no codec.
        p.addLast("spool", spoolHandler);
        p.addLast("decoder", new TextRequestDecoder(maxItemSize));
        p.addLast("encoder", TextResponseEncoder.INSTANCE);
        // Between decoder and handler: it sees the requests and closes that give a close its reason.
        p.addLast("connevents", new ConnectionEventsHandler(registry.listener(), ConnectionRegistry.clientId(ch)));
        p.addLast("handler", new TextCommandHandler(executor, streams, ConnectionRegistry.clientId(ch)));
    }
}
