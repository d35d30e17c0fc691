package io.spoolkv.protocol;

/**
 * User event the server fires through each connection's pipeline on shutdown: stop reading, answer the
 * requests already read, let a streaming command finish, then close once everything is flushed.
 */
public enum DrainConnection {
    INSTANCE
}
