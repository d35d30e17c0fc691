package io.spoolkv.scan;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.background.ItemLimits;
import io.spoolkv.background.ItemStream;
import io.spoolkv.background.ItemStreamTask;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.ScanProperties;
import io.spoolkv.spool.ConnectionSpool;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The open range scans of the whole server, by id: creates them within {@code spoolkv.scan.max-open}, starts
 * their continues on the background executor (one at a time per scan), cancels them, and forgets them when they
 * complete, when their connection closes, and after {@code spoolkv.scan.max-lifetime} idle. Counted in
 * {@code spoolkv_range_scans_*}. Thread-safe.
 */
@Component
public class ScanRegistry implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ScanRegistry.class);
    private static final AttributeKey<Boolean> WATCHED = AttributeKey.valueOf("spoolkv.scan.watched");
    /** Scans the connection holds open, for spoolkv.scan.max-open-per-connection. */
    private static final AttributeKey<AtomicInteger> OWNED = AttributeKey.valueOf("spoolkv.scan.owned");

    /** What a create answered: a status, and the new scan's id on success. */
    public record Created(short status, UUID id) {
    }

    /** One open scan, for the actuator. */
    public record OpenScan(String id, String connection, boolean keyOnly, boolean sampling, boolean running,
                           long idleMillis) {
    }

    private final Map<UUID, RangeScan> scans = new ConcurrentHashMap<>();
    /** Reserved slots: a create takes one before it builds the scan, so max-open holds under races. */
    private final AtomicInteger open = new AtomicInteger();
    private final CacheCommands commands;
    private final BackgroundExecutor executor;
    private final int chunkBytes;
    private final int maxOpen;
    private final int maxOpenPerConnection;
    private final long maxIdleNanos;
    private final ScheduledExecutorService sweeper;
    private final Counter created;
    private final Counter completed;
    private final Counter cancelled;
    private final Counter expired;
    private final Counter disconnected;
    private final Counter refused;
    private final Counter sweepFailures;

    public ScanRegistry(CacheCommands commands, BackgroundExecutor executor, BackgroundProperties background,
                        ScanProperties properties, MeterRegistry meters) {
        this.commands = commands;
        this.executor = executor;
        this.chunkBytes = (int) background.chunkBytes().toBytes();
        this.maxOpen = properties.maxOpen();
        this.maxOpenPerConnection = properties.maxOpenPerConnection();
        this.maxIdleNanos = properties.maxLifetime().toNanos();
        this.created = counter(meters, "created", "range scans created");
        this.completed = counter(meters, "completed", "range scans that reached the end of their range");
        this.cancelled = counter(meters, "cancelled", "range scans cancelled by a client");
        this.expired = counter(meters, "expired", "range scans forgotten after spoolkv.scan.max-lifetime idle");
        this.disconnected = counter(meters, "disconnected", "range scans ended because their connection closed");
        this.refused = counter(meters, "refused",
                "range scan creates refused for spoolkv.scan.max-open or max-open-per-connection");
        this.sweepFailures = counter(meters, "sweep.failures", "runs of the idle-scan sweeper that threw");
        Gauge.builder("spoolkv.range.scans.open", scans, Map::size).description("range scans open").register(meters);
        // Checked often enough that a scan outlives its idle limit by at most half of it (and 5 s).
        long period = Math.max(Math.min(maxIdleNanos / 2, TimeUnit.SECONDS.toNanos(5)), TimeUnit.MILLISECONDS.toNanos(100));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spoolkv-scan-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::expireIdle, period, period, TimeUnit.NANOSECONDS);
    }

    private static Counter counter(MeterRegistry meters, String name, String description) {
        return Counter.builder("spoolkv.range.scans." + name).description(description).register(meters);
    }

    /** RangeScanCreate, on the owner's event loop. */
    public Created create(Channel owner, byte[] json) {
        ScanSpec spec;
        try {
            spec = ScanSpecParser.parse(json);
        } catch (ScanSpecParser.Invalid e) {
            return new Created(e.unknownCollection() ? ScanStatus.UNKNOWN_COLLECTION
                    : e.notSupported() ? ScanStatus.NOT_SUPPORTED : ScanStatus.EINVAL, null);
        }
        // Creates for one connection all run on its event loop, so its count cannot be raced past the cap.
        AtomicInteger owned = owned(owner);
        if (owned.get() >= maxOpenPerConnection) {
            refused.increment();
            return new Created(ScanStatus.TMPFAIL, null);
        }
        if (open.incrementAndGet() > maxOpen) {
            open.decrementAndGet();
            refused.increment();
            return new Created(ScanStatus.TMPFAIL, null);
        }
        boolean registered = false;
        try {
            long population = 0;
            if (spec.sampling()) {
                // kv_engine answers "out of range" when the collection holds fewer keys than asked for. The count
                // is O(1) on the event loop; it may include expired items not reclaimed yet.
                population = commands.itemCount();
                if (population < spec.samples()) {
                    return new Created(ScanStatus.ERANGE, null);
                }
            } else if (spec.start().compareTo(spec.end()) > 0) {
                return new Created(ScanStatus.KEY_ENOENT, null);
            }
            RangeScan scan = new RangeScan(UUID.randomUUID(), owner, spec, commands.itemsFrom(spec.start()),
                    commands::peek, population);
            // A range's first key is a seek away; a sample's first pick may skip most keys, so its first continue
            // (on the background executor) finds it.
            if (!spec.sampling() && scan.exhausted()) {
                return new Created(ScanStatus.KEY_ENOENT, null); // nothing in range: kv_engine's "not found"
            }
            owned.incrementAndGet();
            scans.put(scan.id(), scan);
            registered = true; // from here the slots are the scan's: remove() gives them back
            watch(owner);
            created.increment();
            return new Created(ScanStatus.SUCCESS, scan.id());
        } finally {
            if (!registered) {
                open.decrementAndGet();
            }
        }
    }

    /**
     * RangeScanContinue, on the connection's event loop: starts the next part of the scan streaming into
     * {@code spool}, which is asked for only once the scan is claimed (an unknown id makes no spool);
     * {@code onDone} runs on the event loop after its last byte.
     *
     * @return {@link ScanStatus#SUCCESS} when it streams; else the status to answer (not found, busy)
     */
    public short startContinue(Supplier<ConnectionSpool> spool, UUID id, long itemLimit, long timeLimitMillis, long byteLimit,
                               ScanFrames frames, Runnable onDone) {
        RangeScan scan = scans.get(id);
        if (scan == null) {
            return ScanStatus.KEY_ENOENT;
        }
        if (!scan.claim()) {
            return ScanStatus.EBUSY;
        }
        if (scan.cancelled()) { // cancelled between the lookup and the claim
            return ScanStatus.KEY_ENOENT;
        }
        // The scan is handed back for the next continue only once this one's last response is written, so a
        // paused producer still holding the final chunk never shares it, and "completed" counts a delivered 0xA7.
        ItemStream stream = new ItemStream(scan, new ItemLimits(itemLimit, timeLimitMillis, byteLimit),
                new ScanItemFrames(frames, scan.spec().keyOnly()));
        ItemStreamTask task = new ItemStreamTask(spool.get(), executor, chunkBytes, "range scan continue", stream,
                end -> {
                    continueEnded(scan, ScanItemFrames.status(end));
                    onDone.run();
                },
                () -> continueAbandoned(scan));
        if (task.start()) {
            return ScanStatus.SUCCESS;
        }
        scan.release();
        return ScanStatus.TMPFAIL; // the background executor is full
    }

    /** RangeScanCancel: a running continue ends with "cancelled"; the id is forgotten at once. */
    public boolean cancel(UUID id) {
        RangeScan scan = remove(id);
        if (scan == null) {
            return false;
        }
        cancelled.increment();
        return true;
    }

    /**
     * The continue's last response is written (event loop): the scan is done, or idle until the next continue.
     * A scan cancelled or forgotten meanwhile is not in the map any more, and released harmlessly.
     */
    void continueEnded(RangeScan scan, short status) {
        if (status == ScanStatus.COMPLETE) {
            if (remove(scan.id()) != null) {
                completed.increment();
            }
        } else {
            scan.release();
        }
    }

    /** The connection closed under a running continue. */
    void continueAbandoned(RangeScan scan) {
        if (remove(scan.id()) != null) {
            disconnected.increment();
        }
    }

    /** Open scans, for the actuator. */
    public List<OpenScan> open() {
        long now = System.nanoTime();
        return scans.values().stream()
                .map(s -> new OpenScan(s.id().toString(), s.owner().id().asShortText(), s.spec().keyOnly(),
                        s.spec().sampling(), s.running(),
                        s.running() ? 0 : TimeUnit.NANOSECONDS.toMillis(now - s.idleSinceNanos())))
                .toList();
    }

    public int openCount() {
        return scans.size();
    }

    private RangeScan remove(UUID id) {
        RangeScan scan = scans.remove(id);
        if (scan != null) {
            scan.cancel();
            open.decrementAndGet();
            owned(scan.owner()).decrementAndGet();
        }
        return scan;
    }

    private static AtomicInteger owned(Channel owner) {
        AtomicInteger owned = owner.attr(OWNED).get();
        if (owned == null) {
            AtomicInteger fresh = new AtomicInteger();
            owned = owner.attr(OWNED).setIfAbsent(fresh);
            owned = owned == null ? fresh : owned;
        }
        return owned;
    }

    /** Scans end with the connection that created them (kv_engine cannot resume them safely either). */
    private void watch(Channel owner) {
        if (owner.attr(WATCHED).setIfAbsent(Boolean.TRUE) == null) {
            owner.closeFuture().addListener(f -> ownerClosed(owner));
        }
    }

    private void ownerClosed(Channel owner) {
        for (RangeScan scan : scans.values()) {
            if (scan.owner() == owner && remove(scan.id()) != null) {
                disconnected.increment();
            }
        }
    }

    /**
     * Forgets scans no continue has touched for max-lifetime; a running one is never idle. The sweeper claims a
     * scan before it looks, as a continue does, so a continue cannot start between the check and the removal.
     * Never throws: an exception would stop the scheduled sweeper for good.
     */
    void expireIdle() {
        try {
            long now = System.nanoTime();
            for (RangeScan scan : scans.values()) {
                if (now - scan.idleSinceNanos() < maxIdleNanos || !scan.claim()) {
                    continue; // not idle long enough, or a continue runs
                }
                if (now - scan.idleSinceNanos() >= maxIdleNanos) {
                    if (remove(scan.id()) != null) {
                        expired.increment();
                    }
                } else {
                    scan.unclaim(); // a continue ended just before the claim: it is not idle
                }
            }
        } catch (RuntimeException e) {
            sweepFailures.increment();
            log.warn("range scan sweeper failed; it runs again next period", e);
        }
    }

    @Override
    public void destroy() {
        sweeper.shutdownNow();
    }
}
