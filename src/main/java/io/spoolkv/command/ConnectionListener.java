package io.spoolkv.command;

import java.net.InetSocketAddress;

/**
 * Hears connections open and close, for memcached's {@code watch connevents}. Called on the
 * connection's event loop, so implementations must be cheap and must never block.
 */
public interface ConnectionListener {

    /** Why a connection closed, with memcached's names for the reasons. */
    enum CloseReason {
        /** the server closed it for a protocol error or a failure */
        ERROR,
        /** the client closed it, or sent quit */
        NORMAL,
        /** it sent nothing for spoolkv.server.idle-timeout */
        IDLE_TIMEOUT,
        /** the server is shutting down */
        SHUTDOWN;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A connection was accepted; {@code remote} is null when the peer address is unknown. */
    void opened(int clientId, InetSocketAddress remote);

    void closed(int clientId, InetSocketAddress remote, CloseReason reason);

    ConnectionListener NONE = new ConnectionListener() {
        @Override
        public void opened(int clientId, InetSocketAddress remote) {
        }

        @Override
        public void closed(int clientId, InetSocketAddress remote, CloseReason reason) {
        }
    };
}
