package io.spoolkv.server;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.spoolkv.command.ConnectionCounts;
import io.spoolkv.command.ConnectionListener;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.counters.ThreadCounters;
import io.spoolkv.counters.ThreadCounters.Counter;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
    private final AtomicLong idleClosed = new AtomicLong();
    /** bytes_read and bytes_written, bumped by every connection's event loop: per-thread cells. */
    private final ThreadCounters traffic = new ThreadCounters(2);
    private final Counter bytesRead = traffic.counter(0);
    private final Counter bytesWritten = traffic.counter(1);
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

    /** A new connection's byte counter, which goes next to the socket. */
    TrafficCounter newTrafficCounter() {
        return new TrafficCounter(bytesRead, bytesWritten);
    }

    public static int clientId(Channel channel) {
        Integer id = channel.attr(CLIENT_ID).get();
        return id == null ? -1 : id;
    }

    public ChannelGroup channels() {
        return channels;
    }

    /** Counts a connection closed for {@code spoolkv.server.idle-timeout} (memcached's idle_kicks). */
    void idleClosed() {
        idleClosed.incrementAndGet();
    }

    @Override
    public long idleKicks() {
        return idleClosed.get();
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

    @Override
    public long bytesRead() {
        return bytesRead.sum();
    }

    @Override
    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /** Read from the connections' parent, so the registry needs no hook into the server's bind. */
    @Override
    public String listenAddress() {
        for (Channel ch : channels) {
            if (ch.parent() != null && ch.parent().localAddress() != null) {
                return format(ch.parent().localAddress());
            }
        }
        return null;
    }

    @Override
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> out = new ArrayList<>(channels.size());
        for (Channel ch : channels) {
            TrafficCounter traffic = ch.attr(TrafficCounter.KEY).get();
            SocketAddress remote = ch.remoteAddress();
            SocketAddress local = ch.localAddress();
            if (traffic == null || remote == null || local == null) {
                continue; // closing, or not fully set up: memcached would not list it either
            }
            out.add(new ConnectionInfo(clientId(ch), format(remote), format(local), traffic.idleSeconds()));
        }
        out.sort(Comparator.comparingInt(ConnectionInfo::id));
        return out;
    }

    /** memcached's form: tcp:1.2.3.4:port, tcp6:[::1]:port. */
    static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return inet.getAddress() instanceof Inet6Address
                    ? "tcp6:[" + host + "]:" + inet.getPort()
                    : "tcp:" + host + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
