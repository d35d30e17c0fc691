package io.spoolkv.spool;

/**
 * Recent flush latency, for the actuator: the drain passes of the last minute (at most the
 * latest {@code capacity} of them), from the offer of a pass's oldest fragment until the socket took the pass.
 * All values are 0 when there is no sample.
 *
 * @param samples drain passes the figures are computed from
 * @param p50Millis median, in milliseconds
 * @param p99Millis 99th percentile (nearest rank), in milliseconds
 * @param maxMillis the slowest pass, in milliseconds
 */
public record FlushLatency(int samples, double p50Millis, double p99Millis, double maxMillis) {

    static final FlushLatency NONE = new FlushLatency(0, 0, 0, 0);
}
