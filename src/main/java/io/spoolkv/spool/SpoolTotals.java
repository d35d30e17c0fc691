package io.spoolkv.spool;

/**
 * Totals over all spools, for the actuator endpoint.
 *
 * @param depthBytes bytes offered and not yet taken by the sockets
 * @param depthFragments fragments offered and not yet taken by the sockets
 * @param maxTotalBytes the global cap
 * @param pausedProducers spools whose producer waits for a resume callback
 * @param wouldBlock offers answered would-block since start
 * @param resumes producers resumed since start
 * @param drainPasses drain passes run on the event loops since start
 * @param stuckCloses connections closed as stuck since start
 * @param flushLatency flush latency over the last minute, all connections (closed ones too)
 */
public record SpoolTotals(
        long depthBytes,
        long depthFragments,
        long maxTotalBytes,
        int pausedProducers,
        long wouldBlock,
        long resumes,
        long drainPasses,
        long stuckCloses,
        FlushLatency flushLatency) {
}
