package io.spoolkv.testsupport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/** Samples a figure (a spool's depth) every 0.2 ms, or a given period, on its own thread and keeps the largest value seen. */
public final class MaxSampler implements AutoCloseable {

    private final AtomicLong max = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public MaxSampler(LongSupplier figure) {
        this(figure, Duration.ofNanos(200_000));
    }

    public MaxSampler(LongSupplier figure, Duration period) {
        long periodNanos = period.toNanos();
        thread = new Thread(() -> {
            while (running.get()) {
                max.accumulateAndGet(figure.getAsLong(), Math::max);
                LockSupport.parkNanos(periodNanos);
            }
        }, "max-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** The largest value sampled so far. */
    public long max() {
        return max.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}
