package io.spoolkv.spool;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import io.spoolkv.config.SpoolProperties;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Owns the spools of all connections: attaches one to each channel, holds the global cap, and closes
 * connections whose spool is stuck.
 *
 * <p>Background commands get their connection's spool with {@link #spoolOf(Channel)}, which makes it on first use
 * and puts {@link #channelHandler()} (it forwards writability changes to the spool) first in the pipeline.
 */
@Component
public class SpoolService implements SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpoolService.class);
    private static final AttributeKey<ConnectionSpool> SPOOL = AttributeKey.valueOf("spoolkv.spool");

    private final SpoolProperties properties;
    private final Executor resumeExecutor;
    private final GlobalBudget global;
    private final SpoolMetrics metrics;
    private final SpoolChannelHandler handler = new SpoolChannelHandler(this);
    private final ConcurrentHashMap<Channel, ConnectionSpool> spools = new ConcurrentHashMap<>();
    private final long stuckTimeoutNanos;
    private volatile ScheduledExecutorService reaper;

    /** @param resumeExecutor runs producers' resume callbacks off the event loop (the background executor) */
    public SpoolService(SpoolProperties properties, MeterRegistry registry, ResumeExecutor resumeExecutor) {
        this.properties = properties;
        this.resumeExecutor = resumeExecutor;
        this.global = new GlobalBudget(properties.maxTotalBytes().toBytes(), properties.highWaterBytes().toBytes());
        this.metrics = new SpoolMetrics(registry, global);
        this.stuckTimeoutNanos = properties.stuckTimeout().toNanos();
    }

    /** The handler that {@link #spoolOf} puts first in a streaming connection's pipeline; shared. */
    public ChannelHandler channelHandler() {
        return handler;
    }

    /**
     * The channel's spool, made on first use (idempotent, any thread). Spools are made only for connections that
     * stream, so an idle connection costs none of the spool's queue and counters. The spool is closed, releasing
     * what it holds, when the channel closes, including when that happened before this call.
     */
    public ConnectionSpool spoolOf(Channel channel) {
        ConnectionSpool spool = channel.attr(SPOOL).get();
        if (spool != null) {
            return spool;
        }
        spool = new ConnectionSpool(channel, properties, global, resumeExecutor, metrics);
        ConnectionSpool raced = channel.attr(SPOOL).setIfAbsent(spool);
        if (raced != null) {
            return raced;
        }
        spools.put(channel, spool);
        if (channel.pipeline().context(handler) == null) {
            // First, next to the socket; added only now, so that connections that never stream don't pay for it.
            channel.pipeline().addFirst(handler);
        }
        // Runs on the channel's event loop once it is closed (at once if it already is).
        ConnectionSpool attached = spool;
        channel.closeFuture().addListener(f -> release(channel, attached));
        return spool;
    }

    /** The channel's spool if it has one; never makes one. */
    ConnectionSpool existingSpoolOf(Channel channel) {
        return channel.attr(SPOOL).get();
    }

    /** Event loop, channel closed: closes the spool, releasing what it still holds. */
    private void release(Channel channel, ConnectionSpool spool) {
        spools.remove(channel, spool);
        spool.close();
    }

    public Collection<ConnectionSpool> spools() {
        return Collections.unmodifiableCollection(spools.values());
    }

    public SpoolTotals totals() {
        int paused = 0;
        for (ConnectionSpool spool : spools.values()) {
            if (spool.producerPaused()) {
                paused++;
            }
        }
        return new SpoolTotals(global.bytes(), global.fragments(), global.cap(), paused,
                metrics.wouldBlockCount(), metrics.resumeCount(), metrics.drainPassCount(),
                metrics.stuckCloseCount(), metrics.recentFlushLatency(System.nanoTime()));
    }

    /** Spools waiting for room under the global cap (for tests). */
    int globalWaiters() {
        return global.waiters();
    }

    /** Closes the connections whose spool has bytes pending and has made no progress for the stuck timeout. */
    void closeStuck() {
        long now = System.nanoTime();
        for (ConnectionSpool spool : spools.values()) {
            if (spool.isStuck(now, stuckTimeoutNanos) && spools.remove(spool.channel(), spool)) {
                metrics.stuckClose();
                log.info("closing {}: its spool made no progress for {} with {} bytes pending",
                        spool.channel(), properties.stuckTimeout(), spool.depthBytes());
                // Removed from the map first so it is counted once.
                spool.closeFromAnyThread();
            }
        }
    }

    @Override
    public synchronized void start() {
        if (reaper != null) {
            return;
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "spoolkv-spool-reaper");
            t.setDaemon(true);
            return t;
        });
        long period = checkPeriod(properties.stuckTimeout()).toNanos();
        executor.scheduleWithFixedDelay(this::closeStuckQuietly, period, period, TimeUnit.NANOSECONDS);
        reaper = executor;
    }

    /** A quarter of the timeout, so a stuck connection is closed within 1.25 timeouts; between 10 ms and 5 s. */
    static Duration checkPeriod(Duration stuckTimeout) {
        long millis = Math.max(10, Math.min(5_000, stuckTimeout.toMillis() / 4));
        return Duration.ofMillis(millis);
    }

    private void closeStuckQuietly() {
        try {
            closeStuck();
        } catch (RuntimeException e) { // a throwing periodic task is never run again
            log.warn("stuck-spool check failed", e);
        }
    }

    @Override
    public synchronized void stop() {
        if (reaper != null) {
            reaper.shutdownNow();
            reaper = null;
        }
    }

    @Override
    public boolean isRunning() {
        return reaper != null;
    }

    @Override
    public void close() {
        stop();
    }
}
