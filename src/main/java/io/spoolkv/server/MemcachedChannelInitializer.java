package io.spoolkv.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.spoolkv.protocol.binary.BinaryCommandExecutor;
import io.spoolkv.protocol.binary.BinaryCommandHandler;
import io.spoolkv.protocol.binary.BinaryRequestDecoder;
import io.spoolkv.protocol.binary.BinaryRequestRunner;
import io.spoolkv.protocol.binary.BinaryResponseEncoder;
import io.spoolkv.protocol.binary.BinaryScanCommands;
import io.spoolkv.protocol.text.StreamCommands;
import io.spoolkv.protocol.text.TextCommandExecutor;
import io.spoolkv.protocol.text.TextCommandHandler;
import io.spoolkv.protocol.text.TextRequestDecoder;
import io.spoolkv.protocol.text.TextResponseEncoder;
import io.spoolkv.security.Authenticator;
import io.spoolkv.security.SaslGate;
import io.spoolkv.security.ServerTls;
import io.spoolkv.security.TextLoginDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Builds each connection's pipeline: decoding, encoding and command handling are separate
 * handlers, for the text or the binary protocol as the connection's first byte says; the shared command
 * layer sits behind the handler. With TLS, the {@code SslHandler} sits
 * next to the socket, below everything else (the spool writes through the channel, so its fragments are
 * encrypted too); with authentication, the text login handler sits in front of the text decoder until the
 * client has logged in, and the SASL gate in front of the binary executor: the only places where access is checked.
 */
final class MemcachedChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final String TOO_MANY = "ERROR Too many open connections\r\n";

    private final ConnectionRegistry registry;
    private final TextCommandExecutor executor;
    private final BinaryCommandExecutor binaryExecutor;
    private final BinaryScanCommands scans;
    private final StreamCommands streams;
    private final int maxItemSize;
    private final long idleTimeoutNanos;
    private final Runnable onIdleClose;
    private final Duration closeTimeout;
    private final int maxRetrievalLine;
    private final ServerTls tls;
    private final Authenticator authenticator;

    MemcachedChannelInitializer(ConnectionRegistry registry, TextCommandExecutor executor,
                                BinaryCommandExecutor binaryExecutor, BinaryScanCommands scans, StreamCommands streams,
                                StoreProperties store, ServerProperties server, SpoolProperties spool, ServerTls tls,
                                Authenticator authenticator) {
        this.registry = registry;
        this.closeTimeout = spool.stuckTimeout();
        this.tls = tls;
        this.authenticator = authenticator;
        this.idleTimeoutNanos = server.idleTimeout().toNanos();
        this.onIdleClose = registry::idleClosed;
        this.executor = executor;
        this.binaryExecutor = binaryExecutor;
        this.scans = scans;
        this.streams = streams;
        this.maxItemSize = (int) Math.min(Integer.MAX_VALUE - 2, store.maxItemSize().toBytes());
        this.maxRetrievalLine = (int) server.maxRetrievalLine().toBytes();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!registry.admit(ch)) {
            if (tls.enabled()) {
                ch.close(); // a plaintext error line means nothing to a TLS client; a handshake would cost more
                return;
            }
            ch.writeAndFlush(Unpooled.copiedBuffer(TOO_MANY, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ChannelPipeline p = ch.pipeline();
        if (tls.enabled()) {
            // Next to the socket, below everything else: what the other handlers read and write is plaintext.
            p.addLast("tls", tls.newHandler(ch));
        }
        // Above TLS: counts the bytes of requests and replies, as memcached's bytes_read/bytes_written (spooled ones
        // too: the spool writes through the whole pipeline, whose encoder passes buffers on). A streaming connection
        // also gets the spool's handler, first, when it gets its spool.
        p.addLast("traffic", registry.newTrafficCounter());
        if (idleTimeoutNanos > 0) {
            // Only when asked for: it costs a timer per connection.
            p.addLast("idle", new IdleStateHandler(idleTimeoutNanos, 0, 0, TimeUnit.NANOSECONDS));
        }
        // The first byte picks the protocol; the detector then adds its decoder and encoder in front of
        // "connevents" and its handler behind it, and steps aside.
        p.addLast("detect", new ProtocolDetector(this::addText, this::addBinary, onIdleClose));
        // Between decoder and handler: it sees the requests and closes that give a close its reason.
        p.addLast("connevents", new ConnectionEventsHandler(registry.listener(), ConnectionRegistry.clientId(ch)));
    }

    private void addText(ChannelHandlerContext detector) {
        ChannelPipeline p = detector.pipeline();
        if (authenticator.enabled()) {
            p.addBefore("connevents", "login", new TextLoginDecoder(authenticator, closeTimeout));
        }
        p.addBefore("connevents", "decoder", new TextRequestDecoder(maxItemSize, maxRetrievalLine));
        p.addBefore("connevents", "encoder", TextResponseEncoder.INSTANCE);
        p.addLast("handler", new TextCommandHandler(executor, streams, ConnectionRegistry.clientId(detector.channel()),
                onIdleClose, closeTimeout));
    }

    /** With authentication on, binary clients log in with SASL: the gate runs in front of the executor. */
    private void addBinary(ChannelHandlerContext detector) {
        Channel ch = detector.channel();
        BinaryRequestRunner runner = authenticator.enabled()
                ? new SaslGate(authenticator, binaryExecutor, ch) : binaryExecutor;
        ChannelPipeline p = detector.pipeline();
        p.addBefore("connevents", "decoder", new BinaryRequestDecoder(maxItemSize));
        p.addBefore("connevents", "encoder", BinaryResponseEncoder.INSTANCE);
        p.addLast("handler", new BinaryCommandHandler(runner, scans, ConnectionRegistry.clientId(ch), onIdleClose,
                closeTimeout));
    }
}
