package io.spoolkv.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.NettyRuntime;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.protocol.text.StreamCommands;
import io.spoolkv.protocol.binary.BinaryCommandExecutor;
import io.spoolkv.protocol.binary.BinaryScanCommands;
import io.spoolkv.scan.ScanRegistry;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.protocol.text.TextCommandExecutor;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.security.Authenticator;
import io.spoolkv.security.ServerTls;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The memcached listener and the event loops that serve it. Started after the rest of the
 * context (so every command dependency is ready) and stopped before it, and before the HTTP
 * server, so the readiness probe can report the drain.
 *
 * <p>Stopping is graceful: readiness goes to REFUSING_TRAFFIC, the listener closes, and each
 * connection is told to drain ({@link DrainConnection}): it answers the requests it has read, lets
 * a streaming command finish and its spool empty, then closes. Connections still open after
 * {@code spoolkv.server.shutdown-timeout} are closed, which releases their spools.
 */
@Component
public class MemcachedServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(MemcachedServer.class);
    /**
     * The smallest receive buffer Netty's adaptive guess may shrink to. With Netty's own minimum (64 bytes) a run of
     * short get lines takes the guess there, and a 1 KB set (about 1,060 bytes with its line) then needs two or more
     * reads: 1.12 receives per request at 90% get / 10% set of 1 KB values; with this, one per send
     * (docs/store.md). memcached reads into a 16 KiB buffer. The buffer comes from the pool and goes back once
     * decoded (a partial request keeps it until the rest arrives), so the larger size is no extra memory per idle
     * connection.
     */
    static final int MIN_RECEIVE_BYTES = 2048;
    /** Netty's own default maximum guess, kept. */
    static final int MAX_RECEIVE_BYTES = 65536;
    /**
     * Reads per wake-up before the loop moves on: Netty's default for stream channels (their metadata's 16), which
     * setting an allocator of our own would otherwise reset to the allocator's 1, so a pipelining client would get a
     * flush (one reply write) per read instead of per up to 16 reads.
     */
    static final int MAX_MESSAGES_PER_READ = 16;

    private final ServerProperties properties;
    private final ConnectionRegistry registry;
    private final MemcachedChannelInitializer initializer;
    private final ApplicationEventPublisher events;
    private final Transport transport = Transport.best();

    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private volatile Channel listener;
    private volatile InetSocketAddress boundAddress;
    private volatile boolean draining;

    public MemcachedServer(ServerProperties properties, StoreProperties store, SpoolProperties spool,
                           ConnectionRegistry registry,
                           CacheCommands commands, StatsReporter stats, StreamCommands streams,
                           ApplicationEventPublisher events, ServerTls tls, Authenticator authenticator,
                           ScanRegistry scans, SpoolService spools) {
        this.properties = properties;
        this.events = events;
        this.registry = registry;
        this.initializer = new MemcachedChannelInitializer(registry,
                new TextCommandExecutor(commands, stats), new BinaryCommandExecutor(commands, stats),
                new BinaryScanCommands(scans, spools), streams, store, properties, spool, tls, authenticator);
    }

    @Override
    public synchronized void start() {
        if (listener != null) {
            return;
        }
        int threads = properties.ioThreads() > 0 ? properties.ioThreads() : NettyRuntime.availableProcessors();
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
                // A client that shuts down its sending side still gets the answers to what it sent.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // The output bound of ordinary replies: past it a connection stops reading and running requests.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        (int) properties.writeLowWaterBytes().toBytes(), (int) properties.writeHighWaterBytes().toBytes()))
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(
                        MIN_RECEIVE_BYTES, MIN_RECEIVE_BYTES, MAX_RECEIVE_BYTES).maxMessagesPerRead(MAX_MESSAGES_PER_READ))
                .childHandler(initializer);
        try {
            listener = bootstrap.bind(properties.host(), properties.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            throw new IllegalStateException("spoolkv could not listen on " + properties.host() + ":"
                    + properties.port() + " (spoolkv.server.host / spoolkv.server.port): " + e.getMessage(), e);
        }
        boundAddress = (InetSocketAddress) listener.localAddress();
        draining = false;
        LOG.info("memcached listener on {}:{} ({}, {} io threads)", boundAddress.getHostString(),
                boundAddress.getPort(), transport.label(), threads);
    }

    @Override
    public synchronized void stop() {
        if (listener == null) {
            return;
        }
        draining = true;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        listener.close().syncUninterruptibly();
        listener = null;
        LOG.info("memcached listener closed; draining {} connection(s) for up to {}", registry.channels().size(),
                properties.shutdownTimeout());
        int left = drainConnections(properties.shutdownTimeout().toNanos());
        if (left > 0) {
            LOG.warn("closing {} memcached connection(s) still busy after spoolkv.server.shutdown-timeout ({})",
                    left, properties.shutdownTimeout());
        }
        registry.channels().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
        boundAddress = null;
    }

    /**
     * Tells every connection to drain and waits until all have closed or the timeout passed. Re-scans
     * while waiting: a connection accepted just before the listener closed may register late.
     *
     * @return the connections still open
     */
    private int drainConnections(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        Set<Channel> told = Collections.newSetFromMap(new IdentityHashMap<>());
        for (;;) {
            for (Channel channel : registry.channels()) {
                if (told.add(channel)) {
                    channel.pipeline().fireUserEventTriggered(DrainConnection.INSTANCE);
                }
            }
            int open = registry.channels().size();
            if (open == 0 || System.nanoTime() - deadline >= 0) {
                return open;
            }
            try {
                Thread.sleep(Math.min(20, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return registry.channels().size();
            }
        }
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

    /** Bound and not shutting down: the readiness probe's view of the listener. */
    public boolean isAcceptingConnections() {
        return listener != null && !draining;
    }

    public boolean isDraining() {
        return draining;
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
