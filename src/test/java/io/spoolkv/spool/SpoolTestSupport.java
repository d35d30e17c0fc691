package io.spoolkv.spool;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.SpoolProperties;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/** Builds a spool service outside Spring, with test-sized properties. */
final class SpoolTestSupport implements AutoCloseable {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final BackgroundExecutor executor;
    final SpoolService service;

    SpoolTestSupport(SpoolProperties properties) {
        this(properties, 2);
    }

    SpoolTestSupport(SpoolProperties properties, int threads) {
        executor = new BackgroundExecutor(new BackgroundProperties(threads, 64, DataSize.ofKilobytes(16)), registry);
        service = new SpoolService(properties, registry, executor);
        service.start();
    }

    static SpoolProperties props(SpoolProperties.Mode mode, long highWater, long lowWater, long maxTotal) {
        return props(mode, highWater, lowWater, maxTotal, Duration.ofSeconds(30));
    }

    static SpoolProperties props(SpoolProperties.Mode mode, long highWater, long lowWater, long maxTotal,
                                 Duration stuckTimeout) {
        return new SpoolProperties(mode, DataSize.ofBytes(highWater), DataSize.ofBytes(lowWater),
                DataSize.ofBytes(maxTotal), 256, DataSize.ofMegabytes(1), stuckTimeout);
    }

    double counter(String name) {
        return registry.get(name).counter().count();
    }

    double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Override
    public void close() {
        service.close();
        executor.shutdown();
    }
}
