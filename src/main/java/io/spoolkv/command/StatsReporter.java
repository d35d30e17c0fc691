package io.spoolkv.command;

import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.StoreStats;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Builds memcached's stats groups (general, settings, items, slabs, sizes, conns) as name/value
 * pairs, in memcached's names and order so that monitoring tools written for it parse them. The
 * store has no slabs: it reports one class holding everything, which keeps the format valid.
 */
@Component
public class StatsReporter {

    public static final String VERSION = "1.6.38-spoolkv";
    /** The one pseudo slab class every item is reported in. */
    public static final int SLAB_CLASS = 1;

    private final CacheCommands commands;
    private final ConnectionCounts connections;
    private final ServerProperties server;
    private final StoreProperties storeProperties;
    private final SpoolProperties spool;
    private final BackgroundProperties background;
    private final long pid = ProcessHandle.current().pid();

    public StatsReporter(CacheCommands commands, ConnectionCounts connections, ServerProperties server,
                         StoreProperties storeProperties, SpoolProperties spool, BackgroundProperties background) {
        this.commands = commands;
        this.connections = connections;
        this.server = server;
        this.storeProperties = storeProperties;
        this.spool = spool;
        this.background = background;
    }

    /** The stats for {@code group} (null for the general block), or null for an unknown group. */
    public List<Stat> report(String group) {
        if (group == null) {
            return general();
        }
        return switch (group) {
            case "settings" -> settings();
            case "items" -> items();
            case "slabs" -> slabs();
            case "sizes" -> List.of(Stat.of("sizes_status", "disabled"));
            case "conns" -> List.of();
            default -> null;
        };
    }

    private List<Stat> general() {
        CommandStats c = commands.stats();
        StoreStats s = commands.store().stats();
        Runtime rt = Runtime.getRuntime();
        List<Stat> out = new ArrayList<>(64);
        out.add(Stat.of("pid", pid));
        out.add(Stat.of("uptime", commands.store().uptimeSeconds()));
        out.add(Stat.of("time", commands.store().nowSeconds()));
        out.add(Stat.of("version", VERSION));
        out.add(Stat.of("libevent", "netty"));
        out.add(Stat.of("pointer_size", 64));
        out.add(Stat.of("rusage_user", String.format(java.util.Locale.ROOT, "%.6f", cpuSeconds())));
        out.add(Stat.of("rusage_system", "0.000000"));
        out.add(Stat.of("max_connections", server.maxConnections()));
        out.add(Stat.of("curr_connections", connections.currentConnections()));
        out.add(Stat.of("total_connections", connections.totalConnections()));
        out.add(Stat.of("rejected_connections", connections.rejectedConnections()));
        out.add(Stat.of("connection_structures", connections.currentConnections()));
        out.add(Stat.of("cmd_get", c.cmdGet()));
        out.add(Stat.of("cmd_set", c.cmdSet()));
        out.add(Stat.of("cmd_flush", c.cmdFlush()));
        out.add(Stat.of("cmd_touch", c.cmdTouch()));
        out.add(Stat.of("cmd_meta", c.cmdMeta()));
        out.add(Stat.of("get_hits", c.getHits()));
        out.add(Stat.of("get_misses", c.getMisses()));
        out.add(Stat.of("get_expired", c.getExpired()));
        out.add(Stat.of("get_flushed", 0));
        out.add(Stat.of("delete_misses", c.deleteMisses()));
        out.add(Stat.of("delete_hits", c.deleteHits()));
        out.add(Stat.of("incr_misses", c.incrMisses()));
        out.add(Stat.of("incr_hits", c.incrHits()));
        out.add(Stat.of("decr_misses", c.decrMisses()));
        out.add(Stat.of("decr_hits", c.decrHits()));
        out.add(Stat.of("cas_misses", c.casMisses()));
        out.add(Stat.of("cas_hits", c.casHits()));
        out.add(Stat.of("cas_badval", c.casBadval()));
        out.add(Stat.of("touch_hits", c.touchHits()));
        out.add(Stat.of("touch_misses", c.touchMisses()));
        out.add(Stat.of("threads", connections.ioThreads()));
        out.add(Stat.of("bytes", s.bytes()));
        out.add(Stat.of("curr_items", s.currItems()));
        out.add(Stat.of("total_items", s.totalItems()));
        out.add(Stat.of("expired_unfetched", s.expiredUnfetched()));
        out.add(Stat.of("evicted_unfetched", s.evictedUnfetched()));
        out.add(Stat.of("evictions", s.evictions()));
        out.add(Stat.of("reclaimed", s.reclaimed()));
        out.add(Stat.of("limit_maxbytes", s.limitMaxBytes()));
        out.add(Stat.of("jvm_heap_used", rt.totalMemory() - rt.freeMemory()));
        return out;
    }

    private static double cpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return 0;
    }

    private List<Stat> settings() {
        List<Stat> out = new ArrayList<>();
        out.add(Stat.of("maxbytes", storeProperties.maxMemory().toBytes()));
        out.add(Stat.of("maxconns", server.maxConnections()));
        out.add(Stat.of("tcpport", server.port()));
        out.add(Stat.of("udpport", 0));
        out.add(Stat.of("inter", server.host()));
        out.add(Stat.of("verbosity", 0));
        out.add(Stat.of("evictions", "on"));
        out.add(Stat.of("cas_enabled", "yes"));
        out.add(Stat.of("num_threads", connections.ioThreads()));
        out.add(Stat.of("item_size_max", storeProperties.maxItemSize().toBytes()));
        out.add(Stat.of("binding_protocol", "ascii"));
        out.add(Stat.of("lru_crawler", "yes"));
        out.add(Stat.of("watcher_logbuf_size", spool.highWaterBytes().toBytes()));
        out.add(Stat.of("spool_mode", spool.mode().name().toLowerCase()));
        out.add(Stat.of("spool_high_water_bytes", spool.highWaterBytes().toBytes()));
        out.add(Stat.of("spool_low_water_bytes", spool.lowWaterBytes().toBytes()));
        out.add(Stat.of("spool_max_total_bytes", spool.maxTotalBytes().toBytes()));
        out.add(Stat.of("background_threads", background.threads()));
        return out;
    }

    private List<Stat> items() {
        StoreStats s = commands.store().stats();
        if (s.currItems() == 0) {
            return List.of();
        }
        String p = "items:" + SLAB_CLASS + ":";
        return List.of(
                Stat.of(p + "number", s.currItems()),
                Stat.of(p + "number_hot", 0),
                Stat.of(p + "number_warm", 0),
                Stat.of(p + "number_cold", s.currItems()),
                Stat.of(p + "age", 0),
                Stat.of(p + "mem_requested", s.bytes()),
                Stat.of(p + "evicted", s.evictions()),
                Stat.of(p + "evicted_nonzero", 0),
                Stat.of(p + "evicted_time", 0),
                Stat.of(p + "outofmemory", 0),
                Stat.of(p + "tailrepairs", 0),
                Stat.of(p + "reclaimed", s.reclaimed()),
                Stat.of(p + "expired_unfetched", s.expiredUnfetched()),
                Stat.of(p + "evicted_unfetched", s.evictedUnfetched()));
    }

    private List<Stat> slabs() {
        StoreStats s = commands.store().stats();
        List<Stat> out = new ArrayList<>();
        if (s.currItems() > 0) {
            String p = SLAB_CLASS + ":";
            long chunk = Math.max(1, s.bytes() / Math.max(1, s.currItems()));
            out.add(Stat.of(p + "chunk_size", chunk));
            out.add(Stat.of(p + "chunks_per_page", Math.max(1, (1024 * 1024) / chunk)));
            out.add(Stat.of(p + "total_pages", (s.bytes() + (1024 * 1024) - 1) / (1024 * 1024)));
            out.add(Stat.of(p + "total_chunks", s.currItems()));
            out.add(Stat.of(p + "used_chunks", s.currItems()));
            out.add(Stat.of(p + "free_chunks", 0));
            out.add(Stat.of(p + "free_chunks_end", 0));
            out.add(Stat.of(p + "get_hits", commands.stats().getHits()));
            out.add(Stat.of(p + "cmd_set", commands.stats().cmdSet()));
            out.add(Stat.of(p + "delete_hits", commands.stats().deleteHits()));
            out.add(Stat.of(p + "incr_hits", commands.stats().incrHits()));
            out.add(Stat.of(p + "decr_hits", commands.stats().decrHits()));
            out.add(Stat.of(p + "cas_hits", commands.stats().casHits()));
            out.add(Stat.of(p + "cas_badval", commands.stats().casBadval()));
            out.add(Stat.of(p + "touch_hits", commands.stats().touchHits()));
        }
        out.add(Stat.of("active_slabs", s.currItems() > 0 ? 1 : 0));
        out.add(Stat.of("total_malloced", s.bytes()));
        return out;
    }
}
