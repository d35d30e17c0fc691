package io.spoolkv.command;

/** The connection figures memcached's stats report; the server supplies them. */
public interface ConnectionCounts {

    long currentConnections();

    long totalConnections();

    long rejectedConnections();

    /** Event-loop threads serving connections. */
    int ioThreads();
}
