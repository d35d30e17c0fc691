package io.spoolkv.background;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.spool.ResumeCallback;
import io.spoolkv.spool.ResumeExecutor;
import jakarta.annotation.PreDestroy;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The bounded pool that runs long commands (key dumps, watch delivery) off the event loops.
 *
 * <p>Two doors, on purpose:
 * <ul>
 *   <li>{@link #trySubmit} admits a <em>new</em> command. It refuses when {@code queueCapacity} admitted
 *       commands are already waiting for a thread; the caller answers "busy". This is the bound.</li>
 *   <li>{@link #execute} takes a <em>continuation</em> of a command admitted earlier (a spool's resume
 *       callback) and never refuses while the pool runs: refusing it would strand a paused command, with
 *       its buffers and its connection's reading switched off, for ever. Each admitted command has at
 *       most one continuation pending, so the queue stays bounded by admitted commands.</li>
 * </ul>
 * The work queue itself is therefore unbounded; the bound lives in the admission counter.
 */
@Component
public class BackgroundExecutor implements ResumeExecutor {

    private final ThreadPoolExecutor pool;
    private final int queueCapacity;
    /** Admitted commands that have not started yet; guards {@link #trySubmit}. */
    private final AtomicInteger admittedWaiting = new AtomicInteger();

    public BackgroundExecutor(BackgroundProperties properties, MeterRegistry registry) {
        this.queueCapacity = properties.queueCapacity();
        this.pool = new ThreadPoolExecutor(properties.threads(), properties.threads(), 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), daemonThreads());
        Gauge.builder("spoolkv.background.active", pool, ThreadPoolExecutor::getActiveCount)
                .description("Background threads currently running a command")
                .baseUnit("threads")
                .register(registry);
        Gauge.builder("spoolkv.background.queued", pool, p -> p.getQueue().size())
                .description("Background commands and continuations waiting for a thread")
                .baseUnit("tasks")
                .register(registry);
    }

    /**
     * Admits a new command, or refuses it when {@code queueCapacity} admitted commands are still waiting
     * for a thread (or the pool is shutting down).
     *
     * @return false when refused: the caller answers "busy" and still owns whatever the task holds
     */
    public boolean trySubmit(Runnable command) {
        int waiting;
        do {
            waiting = admittedWaiting.get();
            if (waiting >= queueCapacity) {
                return false;
            }
        } while (!admittedWaiting.compareAndSet(waiting, waiting + 1));
        try {
            pool.execute(() -> {
                admittedWaiting.decrementAndGet();
                command.run();
            });
            return true;
        } catch (RuntimeException rejected) { // shut down
            admittedWaiting.decrementAndGet();
            return false;
        }
    }

    /**
     * Runs a continuation of an already admitted command; never refused while the pool runs.
     *
     * @throws java.util.concurrent.RejectedExecutionException only after {@link #shutdown}
     */
    @Override
    public void execute(Runnable continuation) {
        pool.execute(continuation);
    }

    public int activeCount() {
        return pool.getActiveCount();
    }

    public int queuedCount() {
        return pool.getQueue().size();
    }

    /** Stops taking work, gives running commands a moment, then interrupts them. */
    @PreDestroy
    public void shutdown() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                abandonQueued();
            }
        } catch (InterruptedException e) {
            abandonQueued();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the pool now; paused producers whose resume was still queued release what they hold. */
    private void abandonQueued() {
        for (Runnable dropped : pool.shutdownNow()) {
            if (dropped instanceof ResumeCallback callback) {
                callback.abandoned();
            }
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger next = new AtomicInteger();
        return r -> {
            // A FastThreadLocalThread gets a thread cache in Netty's pooled allocator, as event loops do: producers
            // allocate a chunk per fragment, and without a cache every allocation takes an arena lock.
            Thread t = new FastThreadLocalThread(r, "spoolkv-bg-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
