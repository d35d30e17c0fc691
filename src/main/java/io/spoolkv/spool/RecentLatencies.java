package io.spoolkv.spool;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latest flush latencies with the time each was recorded: a fixed ring, so {@link #snapshot} can report those
 * of the last minute. Recording costs an increment and two ordered writes (no lock, no allocation), cheap enough
 * for one call per drain pass (or per part of a long one). A snapshot reads the ring without a lock: racing a writer it may pair a slot's
 * time with its next value, which is harmless for a view.
 */
final class RecentLatencies {

    /** How far back a snapshot looks. */
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final long WINDOW_NANOS = WINDOW.toNanos();

    private final int mask;
    private final AtomicLongArray latencyNanos;
    private final AtomicLongArray recordedAtNanos;
    private final AtomicLong written = new AtomicLong();

    /** @param capacity samples kept, a power of two */
    RecentLatencies(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.mask = capacity - 1;
        this.latencyNanos = new AtomicLongArray(capacity);
        this.recordedAtNanos = new AtomicLongArray(capacity);
    }

    void record(long latency, long nowNanos) {
        int slot = (int) (written.getAndIncrement() & mask);
        recordedAtNanos.lazySet(slot, nowNanos);
        latencyNanos.lazySet(slot, latency);
    }

    /** The samples recorded within {@link #WINDOW} before {@code nowNanos}. */
    FlushLatency snapshot(long nowNanos) {
        long[] recent = sortedNanos(nowNanos);
        int n = recent.length;
        if (n == 0) {
            return FlushLatency.NONE;
        }
        return new FlushLatency(n, millis(recent[rank(0.50, n)]), millis(recent[rank(0.99, n)]), millis(recent[n - 1]));
    }

    /** The samples recorded within {@link #WINDOW} before {@code nowNanos}, in nanoseconds, smallest first. */
    long[] sortedNanos(long nowNanos) {
        int filled = (int) Math.min(written.get(), mask + 1L);
        long[] recent = new long[filled];
        int n = 0;
        for (int i = 0; i < filled; i++) {
            if (nowNanos - recordedAtNanos.get(i) <= WINDOW_NANOS) {
                recent[n++] = latencyNanos.get(i);
            }
        }
        recent = Arrays.copyOf(recent, n);
        Arrays.sort(recent);
        return recent;
    }

    /** Nearest-rank index of quantile q among n sorted samples. */
    private static int rank(double q, int n) {
        return Math.max(0, (int) Math.ceil(q * n) - 1);
    }

    /** Milliseconds, to the microsecond. */
    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
