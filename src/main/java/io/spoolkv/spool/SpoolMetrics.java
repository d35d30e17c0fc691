package io.spoolkv.spool;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The spools' meters. All are totals over every connection: no per-connection tags, so the number of
 * series does not grow with the number of clients (per-connection detail is in {@link SpoolStats}).
 */
final class SpoolMetrics {

    /** Drain passes kept for the actuator's recent flush latency over all connections. */
    static final int RECENT_TOTAL_SAMPLES = 1024;

    private final Counter fragmentsOffered;
    private final Counter bytesOffered;
    private final Counter drainPasses;
    private final Counter wouldBlock;
    private final Counter globalCapRejections;
    private final Counter resumes;
    private final Counter stuckCloses;
    private final Timer flushLatency;
    /** The last minute's flush latencies over all connections, for the actuator. */
    private final RecentLatencies recentFlushLatency = new RecentLatencies(RECENT_TOTAL_SAMPLES);
    private final MeterRegistry registry;

    SpoolMetrics(MeterRegistry registry, GlobalBudget budget) {
        this.registry = registry;
        for (String where : new String[] {"producer", "drain", "completion", "resume"}) {
            failureCounter(where); // every series from the start, so rate() works from the first failure
        }
        Gauge.builder("spoolkv.spool.depth", budget, GlobalBudget::bytes)
                .description("Bytes offered to all spools and not yet taken by the sockets")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("spoolkv.spool.fragments", budget, GlobalBudget::fragments)
                .description("Fragments offered to all spools and not yet taken by the sockets")
                .register(registry);
        flushLatency = Timer.builder("spoolkv.spool.flush.latency")
                .description("From the offer of the oldest fragment of a drain pass (or of a part of a long one)"
                        + " until the socket took all of it")
                .publishPercentileHistogram()
                .register(registry);
        fragmentsOffered = Counter.builder("spoolkv.spool.fragments.offered")
                .description("Fragments accepted by the spools (counted when the drain takes them or a close drops them)")
                .register(registry);
        bytesOffered = Counter.builder("spoolkv.spool.bytes.offered")
                .description("Bytes accepted by the spools (counted when the drain takes them or a close drops them)")
                .baseUnit("bytes")
                .register(registry);
        drainPasses = Counter.builder("spoolkv.spool.drain.passes")
                .description("Drain passes run on the event loops (event-loop wakeups spent on spooled output)")
                .register(registry);
        wouldBlock = Counter.builder("spoolkv.spool.would.block")
                .description("Offers answered would-block (per-connection high watermark or global cap)")
                .register(registry);
        globalCapRejections = Counter.builder("spoolkv.spool.global.cap.rejections")
                .description("Offers answered would-block because of the cap on all spools together")
                .register(registry);
        resumes = Counter.builder("spoolkv.spool.resumes")
                .description("Paused producers resumed")
                .register(registry);
        stuckCloses = Counter.builder("spoolkv.spool.stuck.closes")
                .description("Connections closed because their spool made no progress for the stuck timeout")
                .register(registry);
    }

    /** Accepted fragments, counted in batches (see {@link #drainPass}) to keep counter updates off the offers. */
    void offered(int fragments, long bytes) {
        fragmentsOffered.increment(fragments);
        bytesOffered.increment(bytes);
    }

    /** Event loop: one drain pass and the fragments it took off the queue, one update per pass. */
    void drainPass(int fragments, long bytes) {
        drainPasses.increment();
        if (fragments > 0) {
            offered(fragments, bytes);
        }
    }

    void wouldBlock(boolean globalCap) {
        wouldBlock.increment();
        if (globalCap) {
            globalCapRejections.increment();
        }
    }

    void resumed() {
        resumes.increment();
    }

    void stuckClose() {
        stuckCloses.increment();
    }

    /**
     * A stream ended by an unexpected error, by where it happened: {@code producer} (the background task),
     * {@code drain} (writing to the channel), {@code completion} (the end-of-stream callback) or {@code resume}
     * (the executor refused to resume a paused producer).
     */
    void failure(String where) {
        failureCounter(where).increment();
    }

    private Counter failureCounter(String where) {
        return Counter.builder("spoolkv.stream.failures")
                .description("Streams ended by an unexpected error (the connection got SERVER_ERROR or was closed)")
                .tag("where", where)
                .register(registry);
    }

    double failureCount(String where) {
        return failureCounter(where).count();
    }

    /** Event loop: one drain pass taken by its socket {@code nanos} after the offer of its oldest fragment. */
    void flushLatency(long nanos, long nowNanos) {
        flushLatency.record(nanos, TimeUnit.NANOSECONDS);
        recentFlushLatency.record(nanos, nowNanos);
    }

    FlushLatency recentFlushLatency(long nowNanos) {
        return recentFlushLatency.snapshot(nowNanos);
    }

    long wouldBlockCount() {
        return (long) wouldBlock.count();
    }

    long resumeCount() {
        return (long) resumes.count();
    }

    long drainPassCount() {
        return (long) drainPasses.count();
    }

    long stuckCloseCount() {
        return (long) stuckCloses.count();
    }
}
