package io.spoolkv.watch;

import io.netty.buffer.ByteBuf;
import io.spoolkv.command.MutationListener;
import io.spoolkv.protocol.text.UriEncoding;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Turns fetches and storage commands into memcached 1.6 log lines for the connections that
 * {@code watch} them. Runs on the event loop of the connection that ran the command: with no
 * watcher it costs one volatile read; with watchers, one small pooled buffer per line.
 */
@Component
public class WatchHub implements MutationListener {

    private static final String[] FOUND = {"not_found", "found"};

    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final AtomicLong gid = new AtomicLong();
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

    public int watcherCount() {
        return watchers.size();
    }

    @Override
    public void fetched(int clientId, Key key, Item item) {
        if (watchers.isEmpty()) {
            return;
        }
        String tail = " status=" + FOUND[item == null ? 0 : 1] + " clsid=" + (item == null ? 0 : 1)
                + " cfd=" + clientId + " size=" + (item == null ? 0 : item.value().length) + "\n";
        publish(WatchStream.FETCHERS, "item_get", key, tail);
    }

    @Override
    public void stored(int clientId, StoreRequest request, StoreResult result) {
        if (watchers.isEmpty()) {
            return;
        }
        String tail = " status=" + result.outcome().name().toLowerCase() + " cmd=" + command(request)
                + " ttl=" + ttl(request.exptime()) + " clsid=1 cfd=" + clientId
                + " size=" + request.value().length + "\n";
        publish(WatchStream.MUTATIONS, "item_store", key(request), tail);
    }

    private void publish(WatchStream stream, String type, Key key, String tail) {
        long now = clock.millis();
        String head = "ts=" + (now / 1000) + "." + ((now % 1000) * 1000) + " gid=" + gid.incrementAndGet()
                + " type=" + type + " key=";
        for (Watcher w : watchers) {
            if (!w.wants(stream)) {
                continue;
            }
            ByteBuf line = w.spool().alloc().buffer(head.length() + key.length() * 3 + tail.length());
            line.writeCharSequence(head, StandardCharsets.US_ASCII);
            UriEncoding.write(line, key.bytes());
            line.writeCharSequence(tail, StandardCharsets.US_ASCII);
            if (!w.deliver(line)) {
                watchers.remove(w);
            }
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
