package io.spoolkv.command;

import java.util.List;

/** The connection figures memcached's stats report; the server supplies them. */
public interface ConnectionCounts {

    long currentConnections();

    long totalConnections();

    long rejectedConnections();

    /** Connections closed for {@code spoolkv.server.idle-timeout} (memcached's idle_kicks). */
    default long idleKicks() {
        return 0;
    }

    /** Event-loop threads serving connections. */
    int ioThreads();

    /** Bytes read from all connections since start (memcached bytes_read). */
    long bytesRead();

    /** Bytes handed to all connections' sockets since start (memcached bytes_written). */
    long bytesWritten();

    /** The listener's address as stats conns prints it ("tcp:127.0.0.1:11211"), or null when not listening. */
    String listenAddress();

    /** Every open connection, in id order. */
    List<ConnectionInfo> connections();

    /**
     * One open connection as {@code stats conns} shows it.
     *
     * @param id the connection's number (memcached shows its fd)
     * @param address the peer, "tcp:host:port"
     * @param listenAddress the local end, "tcp:host:port"
     * @param idleSeconds seconds since the connection last sent bytes (secs_since_last_cmd)
     */
    record ConnectionInfo(int id, String address, String listenAddress, long idleSeconds) {
    }
}
