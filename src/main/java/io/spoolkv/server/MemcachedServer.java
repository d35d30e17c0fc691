package io.spoolkv.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.NettyRuntime;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.protocol.text.StreamCommands;
import io.spoolkv.protocol.text.TextCommandExecutor;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.spool.SpoolService;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The memcached listener and the event loops that serve it. Started after the rest of the
 * context (so every command dependency is ready) and stopped before it.
 */
@Component
public class MemcachedServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MemcachedServer.class);

    private final ServerProperties properties;
    private final ConnectionRegistry registry;
    private final MemcachedChannelInitializer initializer;
    private final Transport transport = Transport.best();

    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private volatile Channel listener;
    private volatile InetSocketAddress boundAddress;

    public MemcachedServer(ServerProperties properties, StoreProperties store, ConnectionRegistry registry,
                           CacheCommands commands, StatsReporter stats, StreamCommands streams,
                           SpoolService spools) {
        this.properties = properties;
        this.registry = registry;
        this.initializer = new MemcachedChannelInitializer(registry, spools.channelHandler(),
                new TextCommandExecutor(commands, stats), streams, store);
    }

    @Override
    public synchronized void start() {
        if (listener != null) {
            return;
        }
        int threads = properties.ioThreads() > 0 ? properties.ioThreads() : NettyRuntime.availableProcessors() * 2;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spoolkv-accept", true),
                transport.ioHandlerFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("spoolkv-io", true),
                transport.ioHandlerFactory());
        registry.ioThreads(threads);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(initializer);
        try {
            listener = bootstrap.bind(properties.host(), properties.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            throw new IllegalStateException("spoolkv could not listen on " + properties.host() + ":"
                    + properties.port() + " (spoolkv.server.host / spoolkv.server.port): " + e.getMessage(), e);
        }
        boundAddress = (InetSocketAddress) listener.localAddress();
        LOG.info("memcached listener on {}:{} ({}, {} io threads)", boundAddress.getHostString(),
                boundAddress.getPort(), transport.label(), threads);
    }

    @Override
    public synchronized void stop() {
        if (listener == null) {
            return;
        }
        listener.close().syncUninterruptibly();
        listener = null;
        registry.channels().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
    }

    private void shutdownGroups() {
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        bossGroup = null;
        workerGroup = null;
    }

    @Override
    public boolean isRunning() {
        return listener != null;
    }

    /** The port actually bound (useful with {@code spoolkv.server.port=0}); -1 before start. */
    public int port() {
        InetSocketAddress a = boundAddress;
        return a == null ? -1 : a.getPort();
    }

    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    public Transport transport() {
        return transport;
    }
}
