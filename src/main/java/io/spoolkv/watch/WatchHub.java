package io.spoolkv.watch;

import io.netty.buffer.ByteBuf;
import io.spoolkv.command.ConnectionListener;
import io.spoolkv.command.MutationListener;
import io.spoolkv.command.WatchCounts;
import io.spoolkv.protocol.text.UriEncoding;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.OfferResult;
import io.spoolkv.store.DirectMemoryRefusal;
import io.spoolkv.store.EvictionListener;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * Turns fetches, storage commands, evictions and connection events into memcached 1.6.18 log
 * lines for the connections that {@code watch} them. Runs on the thread of the event (the event
 * loop of the connection that ran the command, or the writer whose store caused an eviction):
 * with no watcher it costs one volatile read; with watchers, one small pooled buffer per line.
 */
@Component
public class WatchHub implements MutationListener, EvictionListener, ConnectionListener, WatchCounts {

    private static final String[] FOUND = {"not_found", "found"};

    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final AtomicLong gid = new AtomicLong();
    /** memcached's logger counters (general stats log_*). */
    private final LongAdder written = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final Clock clock;

    public WatchHub(Clock clock) {
        this.clock = clock;
    }

    /** Starts delivering {@code streams} to the connection of {@code spool}; ends when it closes. */
    public void watch(ConnectionSpool spool, Set<WatchStream> streams) {
        Watcher watcher = new Watcher(spool, streams);
        watchers.add(watcher);
        spool.channel().closeFuture().addListener(f -> watchers.remove(watcher));
    }

    /** Parses a watch command's stream names; null if one is unknown. */
    public Set<WatchStream> streams(List<String> names) {
        return WatchStream.parse(names);
    }

    @Override
    public int watchers() {
        return watchers.size();
    }

    @Override
    public long linesWritten() {
        return written.sum();
    }

    @Override
    public long linesSent() {
        return sent.sum();
    }

    @Override
    public long linesSkipped() {
        return skipped.sum();
    }

    @Override
    public boolean watchingFetches() {
        for (Watcher w : watchers) {
            if (w.wants(WatchStream.FETCHERS)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void fetched(int clientId, Key key, Item item) {
        if (watchers.isEmpty()) {
            return;
        }
        String tail = " status=" + FOUND[item == null ? 0 : 1] + " clsid=" + (item == null ? 0 : item.slabClass())
                + " cfd=" + clientId + " size=" + (item == null ? 0 : item.valueLength()) + "\n";
        publish(WatchStream.FETCHERS, "item_get", key, tail);
    }

    @Override
    public void evicted(Item item, long now) {
        if (watchers.isEmpty()) {
            return;
        }
        String tail = " fetch=" + (item.fetched() ? "yes" : "no") + " ttl=" + (item.expiresAt() == 0 ? -1 : item.expiresAt() - now)
                + " la=" + (now - item.lastAccess()) + " clsid=" + item.slabClass() + " size=" + item.valueLength() + "\n";
        publish(WatchStream.EVICTIONS, "eviction", item.key(), tail);
    }

    @Override
    public void opened(int clientId, InetSocketAddress remote) {
        if (watchers.isEmpty()) {
            return;
        }
        publish(WatchStream.CONNEVENTS, "conn_new", null, endpoint(remote) + " cfd=" + clientId + "\n");
    }

    @Override
    public void closed(int clientId, InetSocketAddress remote, CloseReason reason) {
        if (watchers.isEmpty()) {
            return;
        }
        publish(WatchStream.CONNEVENTS, "conn_close", null,
                endpoint(remote) + " reason=" + reason.wireName() + " cfd=" + clientId + "\n");
    }

    /** memcached's rip/rport/transport fields (spoolkv listens on TCP only). */
    private static String endpoint(InetSocketAddress remote) {
        String ip = remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
        return " rip=" + ip + " rport=" + (remote == null ? 0 : remote.getPort()) + " transport=tcp";
    }

    @Override
    public void stored(int clientId, StoreRequest request, StoreResult result, int slabClass) {
        if (watchers.isEmpty()) {
            return;
        }
        String tail = " status=" + result.outcome().name().toLowerCase() + " cmd=" + command(request)
                + " ttl=" + ttl(request.exptime()) + " clsid=" + slabClass + " cfd=" + clientId
                + " size=" + request.value().length + "\n";
        publish(WatchStream.MUTATIONS, "item_store", key(request), tail);
    }

    /** One line, {@code ts gid type [key]} then {@code tail}, to every watcher of {@code stream}. */
    private void publish(WatchStream stream, String type, Key key, String tail) {
        long now = clock.millis();
        String head = "ts=" + (now / 1000) + "." + ((now % 1000) * 1000) + " gid=" + gid.incrementAndGet()
                + " type=" + type + (key == null ? "" : " key=");
        boolean wanted = false;
        for (Watcher w : watchers) {
            if (!w.wants(stream)) {
                continue;
            }
            wanted = true;
            int keyBytes = key == null ? 0 : key.length() * 3;
            ByteBuf line;
            try {
                line = w.spool().alloc().buffer(head.length() + keyBytes + tail.length());
            } catch (OutOfMemoryError e) {
                if (!DirectMemoryRefusal.is(e)) {
                    throw e;
                }
                skipped.increment(); // as a line the watcher's spool had no room for: a read never fails for a watcher
                continue;
            }
            line.writeCharSequence(head, StandardCharsets.US_ASCII);
            if (key != null) {
                UriEncoding.write(line, key.bytes());
            }
            line.writeCharSequence(tail, StandardCharsets.US_ASCII);
            switch (w.deliver(line)) {
                case ACCEPTED -> sent.increment();
                case WOULD_BLOCK -> skipped.increment();
                case CLOSED -> watchers.remove(w);
            }
        }
        if (wanted) {
            written.increment();
        }
    }

    private static Key key(StoreRequest request) {
        return request.key();
    }

    private static String command(StoreRequest request) {
        if (request.compareCas() != 0) {
            return "cas";
        }
        return request.mode().name().toLowerCase();
    }

    /** Seconds to live as the client asked, relative (memcached logs it that way). */
    private long ttl(long exptime) {
        if (exptime <= 0 || exptime <= 60L * 60 * 24 * 30) {
            return Math.max(exptime, 0);
        }
        return Math.max(0, exptime - clock.millis() / 1000);
    }
}
