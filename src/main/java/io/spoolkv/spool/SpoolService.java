package io.spoolkv.spool;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import io.spoolkv.background.BackgroundExecutor;
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
 * <p>Install {@link #channelHandler()} first in every server pipeline. Background commands then find their
 * connection's spool with {@link #spoolOf(Channel)}.
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

    public SpoolService(SpoolProperties properties, MeterRegistry registry, BackgroundExecutor backgroundExecutor) {
        this.properties = properties;
        this.resumeExecutor = backgroundExecutor;
        this.global = new GlobalBudget(properties.maxTotalBytes().toBytes(), properties.highWaterBytes().toBytes());
        this.metrics = new SpoolMetrics(registry, global);
        this.stuckTimeoutNanos = properties.stuckTimeout().toNanos();
    }

    /** The handler to add first in each server pipeline; shared. */
    public ChannelHandler channelHandler() {
        return handler;
    }

    /** Gives the channel its spool (idempotent). Called by the handler when the channel becomes active. */
    public ConnectionSpool attach(Channel channel) {
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
        return spool;
    }

    /** The channel's spool, or null if it has none (not active yet, or never passed through the handler). */
    public ConnectionSpool spoolOf(Channel channel) {
        return channel.attr(SPOOL).get();
    }

    /** Event loop, channel inactive: closes the spool, releasing what it still holds. */
    void release(Channel channel) {
        ConnectionSpool spool = spools.remove(channel);
        if (spool != null) {
            spool.close();
        }
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
                metrics.stuckCloseCount());
    }

    /** Closes the connections whose spool has bytes pending and has made no progress for the stuck timeout. */
    void closeStuck() {
        long now = System.nanoTime();
        for (ConnectionSpool spool : spools.values()) {
            if (spool.isStuck(now, stuckTimeoutNanos) && spools.remove(spool.channel(), spool)) {
                metrics.stuckClose();
                log.info("closing {}: its spool made no progress for {} with {} bytes pending",
                        spool.channel(), properties.stuckTimeout(), spool.depthBytes());
                // Removed from the map first so it is counted once; channelInactive then closes the spool.
                spool.channel().eventLoop().execute(() -> {
                    spool.close();
                    spool.channel().close();
                });
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
