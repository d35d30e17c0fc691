package io.spoolkv.background;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.spoolkv.config.BackgroundProperties;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.util.unit.DataSize;

/**
 * The background executor (one thread, one queue slot), able to hold resume callbacks until the test has finished
 * with the embedded loop: EmbeddedChannel is not thread-safe, so the producer and the test must take turns.
 */
final class HoldingExecutor extends BackgroundExecutor {
    private final List<Runnable> held = new CopyOnWriteArrayList<>();
    volatile boolean holdContinuations;

    HoldingExecutor(SimpleMeterRegistry registry, int chunkBytes) {
        super(new BackgroundProperties(1, 1, DataSize.ofBytes(chunkBytes)), registry);
    }

    @Override
    public void execute(Runnable continuation) {
        if (holdContinuations) {
            held.add(continuation);
        } else {
            super.execute(continuation);
        }
    }

    void releaseHeld() {
        for (Runnable r : held) {
            held.remove(r);
            super.execute(r);
        }
    }
}
