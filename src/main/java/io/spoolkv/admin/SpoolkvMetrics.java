package io.spoolkv.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.CommandStats;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.StoreStats;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.springframework.stereotype.Component;

/**
 * The store's, the commands' and the connections' meters. They read the counters the server keeps anyway
 * (FunctionCounter, Gauge), so the hot path counts once. The spool's own meters live in the spool package;
 * this adds the figures an operator watches while finding a stuck consumer.
 */
@Component
public class SpoolkvMetrics implements MeterBinder {

    private final CommandStats commands;
    private final StoreSnapshot store;
    private final ConnectionRegistry connections;
    private final SpoolService spools;

    public SpoolkvMetrics(CacheCommands commands, ConnectionRegistry connections, SpoolService spools) {
        this.commands = commands.stats();
        this.store = new StoreSnapshot(commands::storeStats);
        this.connections = connections;
        this.spools = spools;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        command(registry, "get", CommandStats::cmdGet);
        command(registry, "set", CommandStats::cmdSet);
        command(registry, "touch", CommandStats::cmdTouch);
        command(registry, "flush", CommandStats::cmdFlush);
        command(registry, "delete", s -> s.deleteHits() + s.deleteMisses());
        command(registry, "incr", s -> s.incrHits() + s.incrMisses());
        command(registry, "decr", s -> s.decrHits() + s.decrMisses());
        command(registry, "meta", CommandStats::cmdMeta);

        outcome(registry, "get", CommandStats::getHits, CommandStats::getMisses);
        outcome(registry, "delete", CommandStats::deleteHits, CommandStats::deleteMisses);
        outcome(registry, "incr", CommandStats::incrHits, CommandStats::incrMisses);
        outcome(registry, "decr", CommandStats::decrHits, CommandStats::decrMisses);
        outcome(registry, "touch", CommandStats::touchHits, CommandStats::touchMisses);
        outcome(registry, "cas", CommandStats::casHits, CommandStats::casMisses);

        Gauge.builder("spoolkv.store.items", store, s -> s.get().currItems())
                .description("Live items in the store")
                .baseUnit("items")
                .register(registry);
        Gauge.builder("spoolkv.store.bytes", store, s -> s.get().bytes())
                .description("Bytes taken by the live items (keys, values and per-item overhead)")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
        Gauge.builder("spoolkv.store.limit", store, s -> s.get().limitMaxBytes())
                .description("Bytes the store keeps before it evicts (spoolkv.store.max-memory)")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
        FunctionCounter.builder("spoolkv.store.evictions", store, s -> s.get().evictions())
                .description("Items evicted to make room")
                .register(registry);
        FunctionCounter.builder("spoolkv.store.reclaimed", store, s -> s.get().reclaimed())
                .description("Expired items whose memory was taken back")
                .register(registry);
        FunctionCounter.builder("spoolkv.store.outofmemory", store, s -> s.get().outOfMemory())
                .description("Writes refused because their value's direct memory could not be allocated, even after evicting")
                .register(registry);

        Gauge.builder("spoolkv.connections.current", connections, ConnectionRegistry::currentConnections)
                .description("Open memcached connections")
                .register(registry);
        FunctionCounter.builder("spoolkv.connections.total", connections, ConnectionRegistry::totalConnections)
                .description("memcached connections accepted")
                .register(registry);
        FunctionCounter.builder("spoolkv.connections.rejected", connections,
                        ConnectionRegistry::rejectedConnections)
                .description("memcached connections refused because of spoolkv.server.max-connections")
                .register(registry);

        Gauge.builder("spoolkv.spool.producers.paused", spools, s -> s.totals().pausedProducers())
                .description("Background commands waiting for their connection's spool to drain")
                .register(registry);
        Gauge.builder("spoolkv.spool.limit", spools, s -> s.totals().maxTotalBytes())
                .description("Cap on the bytes of all spools together (spoolkv.spool.max-total-bytes)")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
    }

    private void command(MeterRegistry registry, String command, ToLongFunction<CommandStats> count) {
        FunctionCounter.builder("spoolkv.commands", commands, s -> count.applyAsLong(s))
                .description("Commands run, by command (meta counts every meta command)")
                .tag("command", command)
                .register(registry);
    }

    private void outcome(MeterRegistry registry, String command, ToLongFunction<CommandStats> hits,
                         ToLongFunction<CommandStats> misses) {
        FunctionCounter.builder("spoolkv.store.hits", commands, s -> hits.applyAsLong(s))
                .description("Commands that found their key, by command")
                .tag("command", command)
                .register(registry);
        FunctionCounter.builder("spoolkv.store.misses", commands, s -> misses.applyAsLong(s))
                .description("Commands that did not find their key, by command")
                .tag("command", command)
                .register(registry);
    }

    /**
     * The store's stats, taken at most once a second: taking them tidies the cache, and a scrape reads
     * several gauges from one snapshot.
     */
    static final class StoreSnapshot {
        private static final long MAX_AGE_NANOS = 1_000_000_000L;

        private final Supplier<StoreStats> store;
        private StoreStats stats;
        private long takenNanos;

        StoreSnapshot(Supplier<StoreStats> store) {
            this.store = store;
        }

        synchronized StoreStats get() {
            long now = System.nanoTime();
            if (stats == null || now - takenNanos > MAX_AGE_NANOS) {
                stats = store.get();
                takenNanos = now;
            }
            return stats;
        }
    }
}
