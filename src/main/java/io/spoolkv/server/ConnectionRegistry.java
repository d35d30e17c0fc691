package io.spoolkv.server;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.spoolkv.command.ConnectionCounts;
import io.spoolkv.command.ConnectionListener;
import io.spoolkv.config.ServerProperties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Knows every open memcached connection: counts them for stats, numbers them (memcached's "cfd"
 * in watch lines), and refuses connections over {@code spoolkv.server.max-connections}.
 */
@Component
public class ConnectionRegistry implements ConnectionCounts {

    public static final AttributeKey<Integer> CLIENT_ID = AttributeKey.valueOf("spoolkv.clientId");

    private final int maxConnections;
    private final ChannelGroup channels = new DefaultChannelGroup("memcached", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile int ioThreads;

    private final ConnectionListener listener;

    public ConnectionRegistry(ServerProperties properties) {
        this(properties, ConnectionListener.NONE);
    }

    @Autowired
    public ConnectionRegistry(ServerProperties properties, ObjectProvider<ConnectionListener> listener) {
        this(properties, listener.getIfAvailable(() -> ConnectionListener.NONE));
    }

    public ConnectionRegistry(ServerProperties properties, ConnectionListener listener) {
        this.maxConnections = properties.maxConnections();
        this.listener = listener;
    }

    /** Who hears connections open and close (watch connevents). */
    ConnectionListener listener() {
        return listener;
    }

    /** Registers a new channel; false (and counted) when the server is full. */
    boolean admit(Channel channel) {
        if (channels.size() >= maxConnections) {
            rejected.incrementAndGet();
            return false;
        }
        channel.attr(CLIENT_ID).set(nextId.incrementAndGet());
        total.incrementAndGet();
        channels.add(channel);
        return true;
    }

    public static int clientId(Channel channel) {
        Integer id = channel.attr(CLIENT_ID).get();
        return id == null ? -1 : id;
    }

    public ChannelGroup channels() {
        return channels;
    }

    void ioThreads(int threads) {
        this.ioThreads = threads;
    }

    @Override
    public long currentConnections() {
        return channels.size();
    }

    @Override
    public long totalConnections() {
        return total.get();
    }

    @Override
    public long rejectedConnections() {
        return rejected.get();
    }

    @Override
    public int ioThreads() {
        return ioThreads;
    }
}
