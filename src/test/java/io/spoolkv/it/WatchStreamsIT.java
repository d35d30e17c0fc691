package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * memcached 1.6.18's watch streams over real sockets: the stream names it accepts, a bare watch
 * (fetchers only), evictions and connection events, each line in memcached's format.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=1MB", "spoolkv.store.max-item-size=64KB",
        "spoolkv.store.slab-chunk-max=64KB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class WatchStreamsIT {

    private static final String HEAD = "ts=\\d+\\.\\d+ gid=\\d+ ";

    @Autowired
    MemcachedServer server;

    /** Every name memcached 1.6.18 knows is accepted; others, and other spellings, are ERROR. */
    @Test
    void streamNamesAsMemcached() throws Exception {
        try (TextClient a = new TextClient(server.port()); TextClient b = new TextClient(server.port());
             TextClient c = new TextClient(server.port())) {
            a.send("watch rawcmds evictions fetchers mutations sysevents connevents proxyreqs proxyevents proxyuser\r\n");
            assertThat(a.line()).isEqualTo("OK");
            b.send("watch FETCHERS\r\n");
            assertThat(b.line()).isEqualTo("ERROR");
            c.send("watch fetchers bogus\r\n");
            assertThat(c.line()).isEqualTo("ERROR");
        }
    }

    /**
     * A bare watch gives fetchers only (memcached's default): the set is not logged as a store, but
     * its lookup of the key is, as memcached logs it; then the get.
     */
    @Test
    void bareWatchIsFetchersOnly() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient client = new TextClient(server.port())) {
            watcher.send("watch\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            client.send("set bare 0 0 1\r\nx\r\nget bare\r\n");
            assertThat(client.line()).isEqualTo("STORED");
            assertThat(client.line()).isEqualTo("VALUE bare 0 1");
            assertThat(client.line()).isEqualTo("x");
            assertThat(client.line()).isEqualTo("END");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=bare status=not_found clsid=0 cfd=\\d+ size=0");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=bare status=found clsid=1 cfd=\\d+ size=1");
        }
    }

    /**
     * Proves: log_watchers counts the connections watching now (up when one starts, down when it closes), and
     * log_worker_written / log_watcher_sent count the lines of the events they were sent.
     */
    @Test
    void watcherStatsFollowTheWatchers() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            // watchers of the other tests leave when the server sees their close
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(null).get("log_watchers").equals("0"));
            Map<String, String> before = client.stats(null);
            try (TextClient watcher = new TextClient(server.port())) {
                watcher.send("watch fetchers\r\n");
                assertThat(watcher.line()).isEqualTo("OK");
                assertThat(client.stats(null).get("log_watchers")).isEqualTo("1");
                client.send("get counted1 counted2\r\n");
                assertThat(client.line()).isEqualTo("END");
                assertThat(watcher.line()).contains(" key=counted1 ");
                assertThat(watcher.line()).contains(" key=counted2 ");
                Map<String, String> after = client.stats(null);
                assertThat(Long.parseLong(after.get("log_worker_written"))
                        - Long.parseLong(before.get("log_worker_written"))).isEqualTo(2);
                assertThat(Long.parseLong(after.get("log_watcher_sent"))
                        - Long.parseLong(before.get("log_watcher_sent"))).isEqualTo(2);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(null).get("log_watchers").equals("0"));
        }
    }

    /** A meta read that vivifies logs the miss of its lookup, as memcached does; the next read is a hit. */
    @Test
    void vivifyingReadLogsAMiss() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient client = new TextClient(server.port())) {
            watcher.send("watch fetchers\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            client.send("mg viv N30 s\r\nmg viv s\r\n");
            assertThat(client.line()).isEqualTo("HD s0 W");
            assertThat(client.line()).isEqualTo("HD s0 Z");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=viv status=not_found clsid=0 cfd=\\d+ size=0");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=viv status=found clsid=1 cfd=\\d+ size=0");
        }
    }

    /** fetchers and mutations together, in memcached's order (its t/watcher.t "get/set value sizes"). */
    @Test
    void fetchersAndMutationsInOrder() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient client = new TextClient(server.port())) {
            watcher.send("watch fetchers mutations\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            client.send("set vfoo 0 0 4\r\nvbar\r\nget vfoo\r\n");
            assertThat(client.line()).isEqualTo("STORED");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=vfoo status=not_found clsid=0 cfd=\\d+ size=0");
            assertThat(watcher.line())
                    .matches(HEAD + "type=item_store key=vfoo status=stored cmd=set ttl=0 clsid=1 cfd=\\d+ size=4");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=vfoo status=found clsid=1 cfd=\\d+ size=4");
        }
    }

    /**
     * Proves the item_store line carries the stored item's slab class (memcached's clsid), here a 2,000-byte value:
     * total 48 + 4 + 1 + 2,000 + 2 + 8 = 2,063 bytes, class 15 (2,320-byte chunks), as is the item_get after it.
     */
    @Test
    void mutationsCarryTheStoredItemsClass() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient client = new TextClient(server.port())) {
            watcher.send("watch mutations fetchers\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            client.send("set wbig 0 0 2000\r\n" + "v".repeat(2000) + "\r\nget wbig\r\n");
            assertThat(client.line()).isEqualTo("STORED");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=wbig status=not_found clsid=0 cfd=\\d+ size=0");
            assertThat(watcher.line())
                    .matches(HEAD + "type=item_store key=wbig status=stored cmd=set ttl=0 clsid=15 cfd=\\d+ size=2000");
            assertThat(watcher.line()).matches(HEAD + "type=item_get key=wbig status=found clsid=15 cfd=\\d+ size=2000");
        }
    }

    /** Items evicted for memory are logged with memcached's eviction line. */
    @Test
    void evictionsAreLogged() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient client = new TextClient(server.port())) {
            watcher.send("watch evictions\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            String value = "v".repeat(10_000);
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                batch.append("set ev").append(i).append(" 0 100 10000 noreply\r\n").append(value).append("\r\n");
            }
            client.send(batch.append("mn\r\n").toString());
            assertThat(client.line()).isEqualTo("MN");
            // clsid: the slab class of a 10,000-byte value (11,104-byte chunks), as memcached reports it
            assertThat(watcher.line())
                    .matches(HEAD + "type=eviction key=ev\\d+ fetch=no ttl=(99|100) la=\\d+ clsid=22 size=10000");
        }
    }

    /** A connection's open and close are logged, with memcached's reasons: normal for quit, error for a protocol error. */
    @Test
    void connectionEventsAreLogged() throws Exception {
        try (TextClient watcher = new TextClient(server.port())) {
            watcher.send("watch connevents\r\n");
            assertThat(watcher.line()).isEqualTo("OK");

            int port;
            try (TextClient client = new TextClient(server.port())) {
                port = client.socket().getLocalPort();
                client.send("version\r\nquit\r\n");
                client.line();
                assertThat(client.closedByServer()).isTrue();
            }
            String endpoint = " rip=127\\.0\\.0\\.1 rport=" + port + " transport=tcp";
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_new" + endpoint + " cfd=\\d+");
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_close" + endpoint + " reason=normal cfd=\\d+");

            try (TextClient client = new TextClient(server.port())) {
                port = client.socket().getLocalPort();
                client.send("x".repeat(5000));
                assertThat(client.line()).isEqualTo("CLIENT_ERROR line too long");
                assertThat(client.closedByServer()).isTrue();
            }
            endpoint = " rip=127\\.0\\.0\\.1 rport=" + port + " transport=tcp";
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_new" + endpoint + " cfd=\\d+");
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_close" + endpoint + " reason=error cfd=\\d+");

            // an HTTP request line closes the connection without a reply; memcached logs it as an error
            try (TextClient client = new TextClient(server.port())) {
                port = client.socket().getLocalPort();
                client.send("GET / HTTP/1.1\r\n");
                assertThat(client.closedByServer()).isTrue();
            }
            endpoint = " rip=127\\.0\\.0\\.1 rport=" + port + " transport=tcp";
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_new" + endpoint + " cfd=\\d+");
            assertThat(nextFor(watcher, port)).matches(HEAD + "type=conn_close" + endpoint + " reason=error cfd=\\d+");
        }
    }

    /** The next line about the client on {@code port} (other tests' connections may close meanwhile). */
    private static String nextFor(TextClient watcher, int port) throws Exception {
        String line;
        do {
            line = watcher.line();
        } while (!line.contains(" rport=" + port + " "));
        return line;
    }
}
