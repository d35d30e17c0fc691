package io.spoolkv.command;

import io.spoolkv.command.CommandStats.SlabCommand;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.store.Item;
import io.spoolkv.store.SlabClassStats;
import io.spoolkv.store.SlabClasses;
import io.spoolkv.store.StoreStats;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Builds memcached 1.6.18's stats groups (general, settings, items, slabs, sizes, conns, cachedump)
 * as name/value pairs, in memcached's names and order so that tools written for it parse them.
 * Fields spoolkv has a meaning for carry real values; fields of memcached features spoolkv does not
 * have (slab rebalancing, its hash table, read buffers, auth) carry what memcached reports when the
 * feature is idle or absent, which is 0 or its default setting. Items are reported in memcached's
 * slab classes (io.spoolkv.store.SlabClasses), though the store allocates no slabs.
 */
@Component
public class StatsReporter {

    public static final String VERSION = Versions.REPORTED;
    /** memcached's largest slab class id; cachedump refuses ids above it. */
    public static final int MAX_SLAB_CLASS = SlabClasses.MAX_CLASS_ID;
    /** memcached stops a cachedump at 2 MB of output. */
    private static final int CACHEDUMP_MAX_BYTES = 2 * 1024 * 1024;
    /**
     * Items a cachedump looks at before it stops, whatever their class: it runs on the event loop and walks the
     * whole index (not the class's own list, as memcached does), so a class holding few of many items must not
     * stall the loop on a full scan. memcached's cachedump is bounded too (its limit and 2 MB); 100,000 index
     * steps take a few milliseconds.
     */
    static final int CACHEDUMP_MAX_EXAMINED = 100_000;

    /** General counters "stats reset" sets back to zero (memcached's resettable stats). */
    private static final Set<String> RESETTABLE = Set.of(
            "total_connections", "rejected_connections", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta",
            "get_hits", "get_misses", "get_expired", "get_flushed", "delete_misses", "delete_hits", "incr_misses",
            "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits",
            "touch_misses", "store_too_large", "store_no_memory", "bytes_read", "bytes_written", "total_items", "expired_unfetched",
            "evicted_unfetched", "evictions", "reclaimed", "lru_crawler_starts", "auth_cmds", "auth_errors",
            "crawler_reclaimed", "crawler_items_checked");

    private final CacheCommands commands;
    private final ConnectionCounts connections;
    private final ServerProperties server;
    private final SpoolProperties spool;
    private final BackgroundProperties background;
    private final RuntimeSettings settings;
    private final WatchCounts watches;
    private final LoginCounts logins;
    private final long pid = ProcessHandle.current().pid();
    /** Values of the resettable counters at the last "stats reset"; reports subtract them. */
    private volatile Map<String, Long> baseline = Map.of();
    /** The per-class counters at the last "stats reset", by class id. */
    private volatile Map<Integer, SlabClassStats> slabBaseline = Map.of();
    /** The per-class command counters at the last "stats reset", by counter then class id. */
    private volatile long[][] slabCommandBaseline = new long[SlabCommand.values().length][MAX_SLAB_CLASS + 1];

    public StatsReporter(CacheCommands commands, ConnectionCounts connections, ServerProperties server,
                         SpoolProperties spool, BackgroundProperties background, RuntimeSettings settings,
                         WatchCounts watches, LoginCounts logins) {
        this.commands = commands;
        this.connections = connections;
        this.server = server;
        this.spool = spool;
        this.background = background;
        this.settings = settings;
        this.watches = watches;
        this.logins = logins;
    }

    public RuntimeSettings settings() {
        return settings;
    }

    /** The stats for {@code group} (null for the general block), or null for an unknown group. */
    public List<Stat> report(String group) {
        if (group == null) {
            return general();
        }
        return switch (group) {
            case "settings" -> settingsStats();
            case "items" -> items();
            case "slabs" -> slabs();
            case "sizes" -> List.of(Stat.of("sizes_status", "disabled"));
            default -> null;
        };
    }

    /** "stats reset": the resettable counters start again from zero, and stats detail forgets its prefixes. */
    public synchronized void reset() {
        Map<String, Long> now = new HashMap<>();
        for (Stat stat : rawGeneral()) {
            if (RESETTABLE.contains(stat.name())) {
                now.put(stat.name(), Long.parseLong(stat.value()));
            }
        }
        baseline = Map.copyOf(now);
        Map<Integer, SlabClassStats> classes = new HashMap<>();
        for (SlabClassStats c : commands.store().slabStats()) {
            classes.put(c.id(), c);
        }
        slabBaseline = Map.copyOf(classes);
        long[][] commandCounts = new long[SlabCommand.values().length][MAX_SLAB_CLASS + 1];
        for (SlabCommand command : SlabCommand.values()) {
            for (int id = 1; id <= MAX_SLAB_CLASS; id++) {
                commandCounts[command.ordinal()][id] = commands.stats().inClass(command, id);
            }
        }
        slabCommandBaseline = commandCounts;
        commands.prefixStats().reset();
    }

    /**
     * "stats conns": the listener, then one block per open connection, as memcached prints them; the
     * connection that asks is in conn_parse_cmd, the others wait for a request.
     */
    public List<Stat> conns(int askingClientId) {
        List<Stat> out = new ArrayList<>();
        String listener = connections.listenAddress();
        if (listener != null) {
            out.add(Stat.of("0:addr", listener));
            out.add(Stat.of("0:state", "conn_listening"));
            out.add(Stat.of("0:secs_since_last_cmd", commands.store().uptimeSeconds()));
        }
        for (ConnectionCounts.ConnectionInfo c : connections.connections()) {
            String p = c.id() + ":";
            out.add(Stat.of(p + "addr", c.address()));
            out.add(Stat.of(p + "listen_addr", c.listenAddress()));
            out.add(Stat.of(p + "state", c.id() == askingClientId ? "conn_parse_cmd" : "conn_waiting"));
            out.add(Stat.of(p + "secs_since_last_cmd", c.idleSeconds()));
        }
        return out;
    }

    /**
     * "stats cachedump class limit": up to {@code limit} items (0: no limit) of the class as
     * "ITEM key [bytes b; exptime s]" lines, stopping at 2 MB as memcached does; the items of that slab
     * class, in key order (a walk of the store's index: memcached walks the class's LRU), among the first
     * {@link #CACHEDUMP_MAX_EXAMINED} items of the index.
     */
    public List<String> cachedump(int slabClass, int limit) {
        return cachedump(commands.store().itemsFrom(null), slabClass, limit, CACHEDUMP_MAX_EXAMINED);
    }

    /** The cachedump lines of {@code items}, looking at no more than {@code maxExamined} of them. */
    static List<String> cachedump(Iterator<Item> items, int slabClass, int limit, int maxExamined) {
        List<String> lines = new ArrayList<>();
        int bytes = 0;
        int examined = 0;
        for (Iterator<Item> it = items;
                it.hasNext() && examined < maxExamined && (limit == 0 || lines.size() < limit); examined++) {
            Item item = it.next();
            if (item.slabClass() != slabClass) {
                continue;
            }
            String line = "ITEM " + new String(item.key().bytes(), StandardCharsets.ISO_8859_1)
                    + " [" + item.valueLength() + " b; " + item.expiresAt() + " s]";
            bytes += line.length() + 2;
            if (bytes > CACHEDUMP_MAX_BYTES) {
                break;
            }
            lines.add(line);
        }
        return lines;
    }

    /** A resettable counter as reported: its value less the one at the last "stats reset". */
    private static long sinceReset(Map<String, Long> base, String name, long value) {
        return value - base.getOrDefault(name, 0L);
    }

    private List<Stat> general() {
        Map<String, Long> base = baseline;
        List<Stat> raw = rawGeneral();
        if (base.isEmpty()) {
            return raw;
        }
        List<Stat> out = new ArrayList<>(raw.size());
        for (Stat stat : raw) {
            out.add(base.containsKey(stat.name())
                    ? Stat.of(stat.name(), sinceReset(base, stat.name(), Long.parseLong(stat.value()))) : stat);
        }
        return out;
    }

    /** memcached 1.6.18's general stats, in its order, without the lru maintainer's (spoolkv has none). */
    private List<Stat> rawGeneral() {
        CommandStats c = commands.stats();
        StoreStats s = commands.store().stats();
        long[] cpu = CpuTime.userAndSystemMicros();
        List<Stat> out = new ArrayList<>(96);
        out.add(Stat.of("pid", pid));
        out.add(Stat.of("uptime", commands.store().uptimeSeconds()));
        out.add(Stat.of("time", commands.store().nowSeconds()));
        out.add(Stat.of("version", VERSION));
        out.add(Stat.of("libevent", "netty"));
        out.add(Stat.of("pointer_size", 64));
        out.add(Stat.of("rusage_user", CpuTime.seconds(cpu[0])));
        out.add(Stat.of("rusage_system", CpuTime.seconds(cpu[1])));
        out.add(Stat.of("max_connections", server.maxConnections()));
        out.add(Stat.of("curr_connections", connections.currentConnections()));
        out.add(Stat.of("total_connections", connections.totalConnections()));
        out.add(Stat.of("rejected_connections", connections.rejectedConnections()));
        out.add(Stat.of("connection_structures", connections.currentConnections()));
        // memcached's response objects and read buffers: spoolkv has no such pools.
        out.add(Stat.of("response_obj_oom", 0));
        out.add(Stat.of("response_obj_count", 0));
        out.add(Stat.of("response_obj_bytes", 0));
        out.add(Stat.of("read_buf_count", 0));
        out.add(Stat.of("read_buf_bytes", 0));
        out.add(Stat.of("read_buf_bytes_free", 0));
        out.add(Stat.of("read_buf_oom", 0));
        out.add(Stat.of("reserved_fds", 0));
        out.add(Stat.of("cmd_get", c.cmdGet()));
        out.add(Stat.of("cmd_set", c.cmdSet()));
        out.add(Stat.of("cmd_flush", c.cmdFlush()));
        out.add(Stat.of("cmd_touch", c.cmdTouch()));
        out.add(Stat.of("cmd_meta", c.cmdMeta()));
        out.add(Stat.of("get_hits", c.getHits()));
        out.add(Stat.of("get_misses", c.getMisses()));
        out.add(Stat.of("get_expired", s.getExpired()));
        out.add(Stat.of("get_flushed", s.getFlushed()));
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
        out.add(Stat.of("store_too_large", c.storeTooLarge()));
        out.add(Stat.of("store_no_memory", c.storeNoMemory()));
        out.add(Stat.of("auth_cmds", logins.attempts()));
        out.add(Stat.of("auth_errors", logins.failures()));
        if (!server.idleTimeout().isZero()) {
            out.add(Stat.of("idle_kicks", connections.idleKicks())); // memcached prints it with idle_timeout only
        }
        out.add(Stat.of("bytes_read", connections.bytesRead()));
        out.add(Stat.of("bytes_written", connections.bytesWritten()));
        out.add(Stat.of("limit_maxbytes", s.limitMaxBytes()));
        // spoolkv never stops accepting: over max-connections it accepts, answers an error and closes.
        out.add(Stat.of("accepting_conns", 1));
        out.add(Stat.of("listen_disabled_num", 0));
        out.add(Stat.of("time_in_listen_disabled_us", 0));
        out.add(Stat.of("threads", connections.ioThreads()));
        // An event loop reads every request of a read batch; there is no reqs_per_event yield.
        out.add(Stat.of("conn_yields", 0));
        // memcached's own hash table and slab rebalancer: absent here.
        out.add(Stat.of("hash_power_level", 0));
        out.add(Stat.of("hash_bytes", 0));
        out.add(Stat.of("hash_is_expanding", 0));
        out.add(Stat.of("slab_reassign_rescues", 0));
        out.add(Stat.of("slab_reassign_chunk_rescues", 0));
        out.add(Stat.of("slab_reassign_evictions_nomem", 0));
        out.add(Stat.of("slab_reassign_inline_reclaim", 0));
        out.add(Stat.of("slab_reassign_busy_items", 0));
        out.add(Stat.of("slab_reassign_busy_deletes", 0));
        out.add(Stat.of("slab_reassign_running", 0));
        out.add(Stat.of("slabs_moved", 0));
        if (settings.crawlerEnabled()) {
            out.add(Stat.of("lru_crawler_running", settings.crawlerRunning() ? 1 : 0));
            out.add(Stat.of("lru_crawler_starts", settings.crawlerStarts()));
        }
        out.add(Stat.of("malloc_fails", 0));
        // Watch lines are formatted straight into the watchers' spools: there is no worker buffer to drop from.
        out.add(Stat.of("log_worker_dropped", 0));
        out.add(Stat.of("log_worker_written", watches.linesWritten()));
        out.add(Stat.of("log_watcher_skipped", watches.linesSkipped()));
        out.add(Stat.of("log_watcher_sent", watches.linesSent()));
        out.add(Stat.of("log_watchers", watches.watchers()));
        out.add(Stat.of("unexpected_napi_ids", 0));
        out.add(Stat.of("round_robin_fallback", 0));
        out.add(Stat.of("bytes", commands.store().requestedBytes())); // memcached's: item totals, not the charge
        out.add(Stat.of("curr_items", s.currItems()));
        out.add(Stat.of("total_items", s.totalItems()));
        out.add(Stat.of("slab_global_page_pool", 0));
        out.add(Stat.of("expired_unfetched", s.expiredUnfetched()));
        out.add(Stat.of("evicted_unfetched", s.evictedUnfetched()));
        out.add(Stat.of("evictions", s.evictions()));
        out.add(Stat.of("reclaimed", s.reclaimed()));
        out.add(Stat.of("crawler_reclaimed", settings.crawlerReclaimed()));
        out.add(Stat.of("crawler_items_checked", settings.crawlerItemsChecked()));
        out.add(Stat.of("lrutail_reflocked", 0));
        return out;
    }

    private List<Stat> settingsStats() {
        long itemSizeMax = commands.store().maxItemSize();
        List<Stat> out = new ArrayList<>(72);
        // Not from stats(): counting the store reclaims expired items, which is the crawler's job to find.
        out.add(Stat.of("maxbytes", commands.store().maxMemory()));
        out.add(Stat.of("maxconns", server.maxConnections()));
        out.add(Stat.of("tcpport", boundPort()));
        out.add(Stat.of("udpport", 0));
        out.add(Stat.of("inter", server.host()));
        out.add(Stat.of("verbosity", settings.verbosity()));
        out.add(Stat.of("oldest", 0));
        out.add(Stat.of("evictions", "on"));
        out.add(Stat.of("domain_socket", "NULL"));
        out.add(Stat.of("umask", 700));
        out.add(Stat.of("shutdown_command", "no"));
        out.add(Stat.of("growth_factor", "1.25"));
        out.add(Stat.of("chunk_size", 48));
        out.add(Stat.of("num_threads", connections.ioThreads()));
        out.add(Stat.of("num_threads_per_udp", connections.ioThreads()));
        out.add(Stat.of("stat_key_prefix", ":"));
        out.add(Stat.of("detail_enabled", commands.prefixStats().enabled() ? "yes" : "no"));
        out.add(Stat.of("reqs_per_event", 20));
        out.add(Stat.of("cas_enabled", "yes"));
        out.add(Stat.of("tcp_backlog", 1024));
        out.add(Stat.of("binding_protocol", "ascii"));
        String credentials = logins.credentialsFile();
        // with a credentials file, binary clients log in with SASL PLAIN (memcached's -S)
        out.add(Stat.of("auth_enabled_sasl", credentials == null ? "no" : "yes"));
        out.add(Stat.of("auth_enabled_ascii", credentials == null ? "no" : credentials)); // memcached prints the file
        out.add(Stat.of("item_size_max", itemSizeMax));
        out.add(Stat.of("maxconns_fast", "yes"));
        out.add(Stat.of("hashpower_init", 0));
        out.add(Stat.of("slab_reassign", "no"));
        out.add(Stat.of("slab_automove", settings.slabAutomove()));
        out.add(Stat.of("slab_automove_ratio", "0.80"));
        out.add(Stat.of("slab_automove_window", 30));
        out.add(Stat.of("slab_chunk_max", commands.store().slabClasses().chunkMax()));
        out.add(Stat.of("lru_crawler", settings.crawlerEnabled() ? "yes" : "no"));
        out.add(Stat.of("lru_crawler_sleep", settings.crawlerSleep()));
        out.add(Stat.of("lru_crawler_tocrawl", settings.crawlerToCrawl()));
        out.add(Stat.of("tail_repair_time", 0));
        out.add(Stat.of("flush_enabled", "yes"));
        out.add(Stat.of("dump_enabled", "yes"));
        out.add(Stat.of("hash_algorithm", "java"));
        out.add(Stat.of("lru_maintainer_thread", "no"));
        out.add(Stat.of("lru_segmented", "yes")); // HOT/WARM/COLD (SegmentedLru); moved on writes, no maintainer
        out.add(Stat.of("hot_lru_pct", 20));
        out.add(Stat.of("warm_lru_pct", 40));
        out.add(Stat.of("hot_max_factor", "0.20"));
        out.add(Stat.of("warm_max_factor", "2.00"));
        out.add(Stat.of("temp_lru", "no"));
        out.add(Stat.of("temporary_ttl", 61));
        out.add(Stat.of("idle_timeout", 0));
        out.add(Stat.of("watcher_logbuf_size", spool.highWaterBytes().toBytes()));
        out.add(Stat.of("worker_logbuf_size", 65536));
        out.add(Stat.of("read_buf_mem_limit", 0));
        out.add(Stat.of("track_sizes", "no"));
        out.add(Stat.of("inline_ascii_response", "no"));
        out.add(Stat.of("num_napi_ids", "(null)"));
        out.add(Stat.of("memory_file", "(null)"));
        // spoolkv's own settings, after memcached's.
        out.add(Stat.of("spool_mode", spool.mode().name().toLowerCase(Locale.ROOT)));
        out.add(Stat.of("spool_high_water_bytes", spool.highWaterBytes().toBytes()));
        out.add(Stat.of("spool_low_water_bytes", spool.lowWaterBytes().toBytes()));
        out.add(Stat.of("spool_max_total_bytes", spool.maxTotalBytes().toBytes()));
        out.add(Stat.of("background_threads", background.threads()));
        out.add(Stat.of("max_retrieval_line", server.maxRetrievalLine().toBytes()));
        return out;
    }

    /** The port actually bound (spoolkv.server.port may be 0). */
    private int boundPort() {
        String listen = connections.listenAddress();
        if (listen != null) {
            return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        }
        return server.port();
    }

    /**
     * "stats items": one block per slab class that holds items, in id order, as memcached prints it (without its
     * LRU maintainer's fields). The counters are the store's per class, less the baseline of the last "stats
     * reset" (memcached clears its per-class counters there too). {@code age} is 0: the LRU is one list for all
     * classes, so a class has no tail of its own to age.
     */
    private List<Stat> items() {
        commands.store().stats(); // its sweep drops the dead items first, as before
        Map<Integer, SlabClassStats> base = slabBaseline;
        List<Stat> out = new ArrayList<>();
        for (SlabClassStats c : commands.store().slabStats()) {
            SlabClassStats b = base.get(c.id());
            if (c.number() == 0 && c.outOfMemory() == (b == null ? 0 : b.outOfMemory())) {
                continue; // memcached lists the classes that hold items; a refusal shows its class too
            }
            long evicted = c.evicted() - (b == null ? 0 : b.evicted());
            String p = "items:" + c.id() + ":";
            out.add(Stat.of(p + "number", c.number()));
            out.add(Stat.of(p + "number_hot", c.hot()));
            out.add(Stat.of(p + "number_warm", c.warm()));
            out.add(Stat.of(p + "number_cold", c.cold()));
            out.add(Stat.of(p + "age", 0));
            out.add(Stat.of(p + "mem_requested", c.requested()));
            out.add(Stat.of(p + "evicted", evicted));
            out.add(Stat.of(p + "evicted_nonzero", c.evictedNonzero() - (b == null ? 0 : b.evictedNonzero())));
            out.add(Stat.of(p + "evicted_time", evicted == 0 ? 0 : c.evictedTime()));
            out.add(Stat.of(p + "outofmemory", c.outOfMemory() - (b == null ? 0 : b.outOfMemory())));
            out.add(Stat.of(p + "tailrepairs", 0));
            out.add(Stat.of(p + "reclaimed", c.reclaimed() - (b == null ? 0 : b.reclaimed())));
            out.add(Stat.of(p + "expired_unfetched", c.expiredUnfetched() - (b == null ? 0 : b.expiredUnfetched())));
            out.add(Stat.of(p + "evicted_unfetched", c.evictedUnfetched() - (b == null ? 0 : b.evictedUnfetched())));
            out.add(Stat.of(p + "crawler_reclaimed", c.crawlerReclaimed() - (b == null ? 0 : b.crawlerReclaimed())));
            out.add(Stat.of(p + "crawler_items_checked",
                    c.crawlerItemsChecked() - (b == null ? 0 : b.crawlerItemsChecked())));
            out.add(Stat.of(p + "lrutail_reflocked", 0));
        }
        return out;
    }

    /**
     * "stats slabs": one block per class whose chunks hold items, in memcached's names and order, then
     * active_slabs and total_malloced. spoolkv allocates no pages: total_pages is the pages memcached would need
     * for the used chunks, total_chunks those pages' chunks, and total_malloced the most bytes charged since the
     * bound was last lowered (memcached keeps its pages until then; docs/store.md). The per-class command counters
     * (get_hits, cmd_set...) are counted in the class of the item they hit (cmd_set: of the item stored), less the
     * baseline of the last "stats reset".
     */
    private List<Stat> slabs() {
        commands.store().stats(); // its sweep drops the dead items first, as before
        CommandStats counts = commands.stats();
        long[][] commandBase = slabCommandBaseline;
        List<Stat> out = new ArrayList<>();
        int active = 0;
        for (SlabClassStats c : commands.store().slabStats()) {
            if (c.usedChunks() == 0) {
                continue;
            }
            active++;
            String p = c.id() + ":";
            long totalChunks = c.pages() * c.perPage();
            out.add(Stat.of(p + "chunk_size", c.chunkSize()));
            out.add(Stat.of(p + "chunks_per_page", c.perPage()));
            out.add(Stat.of(p + "total_pages", c.pages()));
            out.add(Stat.of(p + "total_chunks", totalChunks));
            out.add(Stat.of(p + "used_chunks", c.usedChunks()));
            out.add(Stat.of(p + "free_chunks", totalChunks - c.usedChunks()));
            out.add(Stat.of(p + "free_chunks_end", 0));
            for (SlabCommand command : SlabCommand.values()) {
                out.add(Stat.of(p + command.stat(),
                        counts.inClass(command, c.id()) - commandBase[command.ordinal()][c.id()]));
            }
        }
        out.add(Stat.of("active_slabs", active));
        out.add(Stat.of("total_malloced", commands.store().mallocedBytes()));
        return out;
    }

    /** The process's user and system CPU time, as memcached's getrusage() reports them. */
    static final class CpuTime {

        private static final Path PROC_STAT = Path.of("/proc/self/stat");
        /** Linux reports /proc times in USER_HZ ticks, 100 per second on every mainstream architecture. */
        private static final long MICROS_PER_TICK = 10_000;

        private CpuTime() {
        }

        /** {user, system} in microseconds; without /proc, all process CPU time counts as user time. */
        static long[] userAndSystemMicros() {
            try {
                String stat = Files.readString(PROC_STAT);
                // Fields after the command name (in parentheses, may hold spaces): state is field 3,
                // utime field 14 and stime field 15.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new long[] {Long.parseLong(f[11]) * MICROS_PER_TICK, Long.parseLong(f[12]) * MICROS_PER_TICK};
            } catch (java.io.IOException | RuntimeException e) {
                if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                    return new long[] {os.getProcessCpuTime() / 1000, 0};
                }
                return new long[] {0, 0};
            }
        }

        /** memcached's "%ld.%06ld". */
        static String seconds(long micros) {
            return String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000, micros % 1_000_000);
        }
    }
}
