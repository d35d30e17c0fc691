package io.spoolkv.admin;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.CommandStats;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.store.StoreStats;
import java.net.InetSocketAddress;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/** {@code /actuator/memcached}: the listener, its connections and the store, in one call. */
@Component
@Endpoint(id = "memcached")
public class MemcachedEndpoint {

    private final MemcachedServer server;
    private final ConnectionRegistry connections;
    private final CacheCommands commands;

    public MemcachedEndpoint(MemcachedServer server, ConnectionRegistry connections, CacheCommands commands) {
        this.server = server;
        this.connections = connections;
        this.commands = commands;
    }

    @ReadOperation
    public MemcachedReport memcached() {
        InetSocketAddress bound = server.boundAddress();
        Listener listener = new Listener(bound == null ? null : bound.getHostString(), server.port(),
                server.transport().label(), connections.ioThreads(), server.isAcceptingConnections());
        StoreStats store = commands.storeStats();
        CommandStats stats = commands.stats();
        return new MemcachedReport(listener,
                new Connections(connections.currentConnections(), connections.totalConnections(),
                        connections.rejectedConnections()),
                new Store(store.currItems(), store.bytes(), store.limitMaxBytes(), store.evictions(),
                        stats.getHits(), stats.getMisses()));
    }

    /**
     * @param listener where memcached clients connect
     * @param connections memcached connections
     * @param store the item store
     */
    public record MemcachedReport(Listener listener, Connections connections, Store store) {
    }

    /**
     * @param address the bound address; null when not listening
     * @param port the bound port; -1 when not listening
     * @param transport {@code epoll} or {@code nio}
     * @param ioThreads event-loop threads serving connections
     * @param accepting bound and not shutting down
     */
    public record Listener(String address, int port, String transport, int ioThreads, boolean accepting) {
    }

    /**
     * @param current open now
     * @param total accepted since start
     * @param rejected refused since start because of {@code spoolkv.server.max-connections}
     */
    public record Connections(long current, long total, long rejected) {
    }

    /**
     * @param items live items
     * @param bytes bytes the items take (keys, values, overhead)
     * @param limit {@code spoolkv.store.max-memory}
     * @param evictions items evicted to make room since start
     * @param hits retrievals that found their key since start
     * @param misses retrievals that did not since start
     */
    public record Store(long items, long bytes, long limit, long evictions, long hits, long misses) {
    }
}
