package io.spoolkv.spool;

import java.time.Instant;

/**
 * A snapshot of one connection's spool, for the actuator endpoint. Fields are read one by one without a
 * lock, so a snapshot of a busy spool is approximate.
 *
 * @param id the channel id (short text)
 * @param remoteAddress the client's address, or null
 * @param depthBytes bytes offered and not yet taken by the socket
 * @param depthFragments fragments offered and not yet taken by the socket
 * @param oldestPendingMillis age of the oldest fragment written to the channel and not yet taken by the
 *        socket (or, when none is in flight, time since the last progress); 0 when the spool is empty
 * @param writable whether the channel is writable
 * @param producerPaused whether a producer waits for a resume callback
 * @param bytesSent bytes the socket has taken from this spool
 * @param command the command streaming into this spool, or null when idle
 * @param lastProgress when the socket last took bytes (or the spool last went from idle to busy)
 * @param flushLatency this connection's flush latency over the last minute
 */
public record SpoolStats(
        String id,
        String remoteAddress,
        long depthBytes,
        int depthFragments,
        long oldestPendingMillis,
        boolean writable,
        boolean producerPaused,
        long bytesSent,
        String command,
        Instant lastProgress,
        FlushLatency flushLatency) {
}
