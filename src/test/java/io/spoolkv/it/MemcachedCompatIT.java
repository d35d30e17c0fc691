package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.command.Versions;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * memcached 1.6.18's answers for the classic commands this class names, over a real loopback
 * socket; every expected string was read from Debian's memcached 1.6.18 with the same input.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext
class MemcachedCompatIT {

    @Autowired
    MemcachedServer server;

    @BeforeEach
    void clean() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("flush_all\r\nlru_crawler enable\r\ncache_memlimit 64\r\nstats detail off\r\nmn\r\n");
            assertThat(c.line()).isEqualTo("OK");
            c.line(); // OK, or ERROR failed to start... when already enabled
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("MN");
            // flushed items stay counted until the background sweep a stats request starts has removed them: each
            // test starts from an empty store, as its counts assume
            await().atMost(Duration.ofSeconds(10)).until(() -> "0".equals(stats(c, null).get("curr_items")));
        }
    }

    static Map<String, String> stats(TextClient c, String group) throws Exception {
        return c.stats(group);
    }

    static List<String> linesUntilEnd(TextClient c) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line; !(line = c.line()).equals("END"); ) {
            out.add(line);
        }
        return out;
    }

    /** Proves: keys with control bytes (memaslap's 0x10-0x1F, tab, DEL, an inner CR) are stored, read and URI-encoded in dumps. */
    @Test
    void controlBytesInKeys() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set a\u0010\u001fb 0 0 1\r\nx\r\nset t\tab 0 0 1\r\ny\r\nset d\u007fel 0 0 1\r\nz\r\nset c\rr 0 0 1\r\nw\r\n");
            for (int i = 0; i < 4; i++) {
                assertThat(c.line()).isEqualTo("STORED");
            }
            c.send("get a\u0010\u001fb t\tab d\u007fel c\rr\r\n");
            assertThat(c.line()).isEqualTo("VALUE a\u0010\u001fb 0 1");
            assertThat(c.line()).isEqualTo("x");
            assertThat(c.line()).isEqualTo("VALUE t\tab 0 1");
            assertThat(c.line()).isEqualTo("y");
            assertThat(c.line()).isEqualTo("VALUE d\u007fel 0 1");
            assertThat(c.line()).isEqualTo("z");
            assertThat(c.line()).isEqualTo("VALUE c\rr 0 1");
            assertThat(c.line()).isEqualTo("w");
            assertThat(c.line()).isEqualTo("END");
            c.send("lru_crawler metadump all\r\n");
            List<String> keys = linesUntilEnd(c).stream().map(l -> l.substring(4, l.indexOf(' '))).sorted().toList();
            assertThat(keys).containsExactly("a%10%1Fb", "c%0Dr", "d%7Fel", "t%09ab");
            c.send("stats cachedump 1 0\r\n");
            assertThat(linesUntilEnd(c)).hasSize(4).contains("ITEM a\u0010\u001fb [1 b; 0 s]");
        }
    }

    /** Proves: general stats carry memcached 1.6.18's 83 fields plus the crawler's 2 (crawler enabled), with real byte counts and CPU times. */
    @Test
    void generalStatsHaveMemcachedsFields() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            Map<String, String> before = stats(c, null);
            assertThat(before).hasSize(85);
            assertThat(before.keySet()).contains("bytes_read", "bytes_written", "conn_yields", "listen_disabled_num",
                    "accepting_conns", "lru_crawler_running", "lru_crawler_starts", "store_too_large", "get_flushed",
                    "reserved_fds", "log_watchers", "hash_power_level");
            assertThat(before.get("version")).isEqualTo(Versions.REPORTED);
            assertThat(before.get("accepting_conns")).isEqualTo("1");
            assertThat(before.get("rusage_user")).matches("\\d+\\.\\d{6}");
            assertThat(before.get("rusage_system")).matches("\\d+\\.\\d{6}");
            double cpu = Double.parseDouble(before.get("rusage_user")) + Double.parseDouble(before.get("rusage_system"));
            assertThat(cpu).isGreaterThan(0);
            c.send("set k 0 0 100\r\n" + "v".repeat(100) + "\r\nget k\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE k 0 100");
            c.line();
            assertThat(c.line()).isEqualTo("END");
            Map<String, String> after = stats(c, null);
            // since the first stats was read, this (only) connection sent the set (117 bytes), the get (7) and "stats\r\n" (7)
            assertThat(Long.parseLong(after.get("bytes_read")) - Long.parseLong(before.get("bytes_read")))
                    .isEqualTo(117 + 7 + 7);
            assertThat(Long.parseLong(after.get("bytes_written")) - Long.parseLong(before.get("bytes_written")))
                    .isGreaterThanOrEqualTo(8 + 15 + 102 + 5);
            c.send("lru_crawler disable\r\n");
            assertThat(c.line()).isEqualTo("OK");
            Map<String, String> noCrawler = stats(c, null);
            assertThat(noCrawler).hasSize(83).doesNotContainKeys("lru_crawler_running", "lru_crawler_starts");
            assertThat(stats(c, "settings")).containsEntry("lru_crawler", "no");
        }
    }

    /** Proves: stats reset answers RESET and zeroes memcached's resettable counters, not the current state. */
    @Test
    void statsReset() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set k 0 0 1\r\nx\r\nget k\r\nget nope\r\ndelete nope\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            c.line();
            c.line();
            c.line();
            c.line();
            assertThat(c.line()).isEqualTo("NOT_FOUND");
            assertThat(Long.parseLong(stats(c, null).get("cmd_get"))).isPositive();
            c.send("stats reset\r\n");
            assertThat(c.line()).isEqualTo("RESET");
            Map<String, String> s = stats(c, null);
            assertThat(s).containsEntry("cmd_get", "0").containsEntry("cmd_set", "0").containsEntry("get_hits", "0")
                    .containsEntry("get_misses", "0").containsEntry("delete_misses", "0")
                    .containsEntry("total_items", "0").containsEntry("total_connections", "0")
                    .containsEntry("curr_items", "1");
            // "stats\r\n" itself was read after the reset
            assertThat(Long.parseLong(s.get("bytes_read"))).isBetween(1L, 64L);
        }
    }

    /** Proves: stats detail on|off|dump keeps per-prefix counts of classic gets, sets and deletes, as memcached. */
    @Test
    void statsDetail() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("stats detail\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR usage: stats detail on|off|dump");
            c.send("stats detail on\r\nset a:b 0 0 1\r\nx\r\nget a:b\r\nget a:c\r\nset nodelim 0 0 1\r\nx\r\n"
                    + "delete a:b\r\nset :x 0 0 1\r\nx\r\ngat 1 a:c\r\nstats detail dump\r\n");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE a:b 0 1");
            c.line();
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("DELETED");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("END");
            assertThat(linesUntilEnd(c)).containsExactly("PREFIX  get 0 hit 0 set 1 del 0",
                    "PREFIX a get 3 hit 1 set 1 del 1");
            assertThat(stats(c, "settings")).containsEntry("detail_enabled", "yes");
            c.send("stats detail off\r\nget a:b\r\nstats reset\r\nstats detail dump\r\n");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).isEqualTo("RESET");
            assertThat(c.line()).isEqualTo("END");
        }
    }

    /** Proves: stats cachedump validates as memcached and lists items with their sizes and expiry times. */
    @Test
    void statsCachedump() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set a 0 0 3\r\nabc\r\nset b 0 0 1\r\nx\r\n");
            c.line();
            c.line();
            c.send("stats cachedump 1 1\r\n");
            assertThat(linesUntilEnd(c)).containsExactly("ITEM a [3 b; 0 s]");
            c.send("stats cachedump 2 10\r\n");
            assertThat(c.line()).isEqualTo("END");
            c.send("stats cachedump 1\r\nstats cachedump x y\r\nstats cachedump 200 1\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR Illegal slab id");
        }
    }

    /** Proves: stats conns lists the listener and every open connection in memcached's format. */
    @Test
    void statsConns() throws Exception {
        try (TextClient other = new TextClient(server.port()); TextClient c = new TextClient(server.port())) {
            other.send("mn\r\n");
            assertThat(other.line()).isEqualTo("MN");
            Map<String, String> conns = stats(c, "conns");
            String listen = "tcp:127.0.0.1:" + server.port();
            assertThat(conns).containsEntry("0:addr", listen).containsEntry("0:state", "conn_listening");
            String mine = "tcp:127.0.0.1:" + c.socket().getLocalPort();
            String theirs = "tcp:127.0.0.1:" + other.socket().getLocalPort();
            String myId = idOf(conns, mine);
            String theirId = idOf(conns, theirs);
            assertThat(conns).containsEntry(myId + ":state", "conn_parse_cmd")
                    .containsEntry(myId + ":listen_addr", listen)
                    .containsEntry(theirId + ":state", "conn_waiting")
                    .containsKey(theirId + ":secs_since_last_cmd");
        }
    }

    private static String idOf(Map<String, String> conns, String address) {
        return conns.entrySet().stream().filter(e -> e.getKey().endsWith(":addr") && e.getValue().equals(address))
                .map(e -> e.getKey().substring(0, e.getKey().indexOf(':'))).findFirst().orElseThrow();
    }

    /** Proves: the lru_crawler tuning commands validate as memcached and keep what stats settings report. */
    @Test
    void lruCrawlerSettings() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("lru_crawler sleep 2000000\r\nlru_crawler sleep x\r\nlru_crawler sleep 250\r\n"
                    + "lru_crawler tocrawl -1\r\nlru_crawler tocrawl 42\r\nlru_crawler crawl x\r\nlru_crawler crawl 1,2\r\n"
                    + "lru_crawler crawl\r\nlru_crawler enable\r\nlru_crawler enable extra\r\nlru_crawler bogus\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR sleep must be one second or less");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("BADCLASS invalid class id");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).isEqualTo("ERROR failed to start lru crawler thread");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(stats(c, "settings")).containsEntry("lru_crawler_sleep", "250")
                    .containsEntry("lru_crawler_tocrawl", "42").containsEntry("lru_crawler", "yes");
            c.send("lru_crawler disable\r\nlru_crawler crawl all\r\nlru_crawler metadump all\r\nlru_crawler enable\r\n");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR lru crawler disabled");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR lru crawler disabled");
            assertThat(c.line()).isEqualTo("OK");
        }
    }

    /**
     * Proves: lru_crawler crawl reclaims the expired items the store still holds and counts them, in general stats
     * (crawler_reclaimed, crawler_items_checked) and in the class's items stats, as lru-crawler.t reads them; the
     * live items stay. The client's next request waits for the pass, so its stats see the result.
     */
    @Test
    void lruCrawlerCrawlReclaimsExpiredItems() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            Map<String, String> before = stats(c, null);
            StringBuilder sets = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                sets.append("set crawl_short").append(i).append(" 0 1 2 noreply\r\nok\r\n");
                sets.append("set crawl_long").append(i).append(" 0 3600 2 noreply\r\nok\r\n");
            }
            c.send(sets.append("mn\r\n").toString());
            assertThat(c.line()).isEqualTo("MN");
            Thread.sleep(2_100); // the short ones expire; nothing touches the store meanwhile
            c.send("lru_crawler crawl all\r\n");
            assertThat(c.line()).isEqualTo("OK");
            Map<String, String> after = stats(c, null);
            assertThat(after.get("lru_crawler_running")).isEqualTo("0");
            assertThat(Long.parseLong(after.get("lru_crawler_starts")) - Long.parseLong(before.get("lru_crawler_starts")))
                    .isEqualTo(1);
            assertThat(Long.parseLong(after.get("crawler_reclaimed")) - Long.parseLong(before.get("crawler_reclaimed")))
                    .isEqualTo(3);
            assertThat(Long.parseLong(after.get("crawler_items_checked"))
                    - Long.parseLong(before.get("crawler_items_checked"))).isEqualTo(6);
            assertThat(after.get("curr_items")).isEqualTo("3");
            assertThat(stats(c, "items")).containsEntry("items:1:crawler_reclaimed", after.get("crawler_reclaimed"))
                    .containsEntry("items:1:crawler_items_checked", after.get("crawler_items_checked"));
        }
    }

    /** Proves: cache_memlimit resizes the store at run time (limit_maxbytes, evictions) with memcached's answers. */
    @Test
    void cacheMemlimitResizesTheStore() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("cache_memlimit 7\r\ncache_memlimit 17592186044415\r\ncache_memlimit x\r\ncache_memlimit 1 noreply\r\n"
                    + "cache_memlimit 8\r\n");
            assertThat(c.line()).isEqualTo("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
            assertThat(c.line()).isEqualTo("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(stats(c, null)).containsEntry("limit_maxbytes", String.valueOf(8L << 20));
            assertThat(stats(c, "settings")).containsEntry("maxbytes", String.valueOf(8L << 20));
            // 12 MB of values into an 8 MB bound: the store evicts to stay under it
            String value = "v".repeat(100_000);
            StringBuilder sets = new StringBuilder();
            for (int i = 0; i < 120; i++) {
                sets.append("set big").append(i).append(" 0 0 100000 noreply\r\n").append(value).append("\r\n");
            }
            c.send(sets + "mn\r\n");
            assertThat(c.line()).isEqualTo("MN");
            Map<String, String> s = stats(c, null);
            assertThat(Long.parseLong(s.get("bytes"))).isLessThanOrEqualTo(8L << 20);
            assertThat(Long.parseLong(s.get("evictions"))).isPositive();
        }
    }

    /**
     * Proves: ms C follows memcached 1.6.18's rule per mode (checked on the real binary): append/prepend of a missing
     * key is NS whatever the CAS, and EX on a live key with another CAS; add ignores C.
     */
    @Test
    void metaSetCasRulePerMode() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("ms cas-mm 1 MA C5\r\nx\r\nms cas-mm 1 MP C5\r\nx\r\nms cas-mm 1 ME C5\r\nx\r\n"
                    + "ms cas-mm 1 ME C5\r\nx\r\nms cas-mm 1 MA C5\r\nx\r\n");
            assertThat(c.line()).as("append, missing").isEqualTo("NS");
            assertThat(c.line()).as("prepend, missing").isEqualTo("NS");
            assertThat(c.line()).as("add ignores C").isEqualTo("HD");
            assertThat(c.line()).as("add, live").isEqualTo("NS");
            assertThat(c.line()).as("append, live, other CAS").isEqualTo("EX");
        }
    }

    /** Proves: verbosity, shutdown, flush_all and a bad delete answer as memcached 1.6.18 does. */
    @Test
    void otherCommands() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("verbosity\r\nverbosity x\r\nverbosity 1 noreply\r\nverbosity x noreply\r\nverbosity 2\r\n"
                    + "shutdown\r\nshutdown graceful\r\nflush_all invalid\r\nflush_all invalid noreply\r\n"
                    + "delete a 5 noreply\r\ndelete a 5\r\nversion\r\n");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("ERROR: shutdown not enabled");
            assertThat(c.line()).isEqualTo("ERROR: shutdown not enabled");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR invalid exptime argument");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
            assertThat(c.line()).isEqualTo("VERSION " + Versions.REPORTED);
            assertThat(stats(c, "settings")).containsEntry("verbosity", "2");
        }
    }

    /** Proves: a flush_all delay over 30 days is a unix time, as memcached reads it (flush-all.t test 14). */
    @Test
    void flushAllWithAnAbsoluteTime() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            long now = System.currentTimeMillis() / 1000;
            c.send("set a 0 0 1\r\nx\r\nflush_all " + (now + 3600) + "\r\nget a\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("VALUE a 0 1");
            c.line();
            assertThat(c.line()).isEqualTo("END");
            // a unix time already past flushes at once
            c.send("flush_all 1000000000\r\nget a\r\n");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.line()).isEqualTo("END");
        }
    }

    /** Proves: the version parses as 1.6.18 the way clients read it (major.minor.micro, strtol on each part). */
    @Test
    void versionStartsWithTheProtocolLevel() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("version\r\n");
            String version = c.line().substring("VERSION ".length());
            assertThat(version).startsWith("1.6.18-spoolkv-").doesNotContain(" ");
            String[] parts = version.split("\\.", 3);
            assertThat(Integer.parseInt(parts[0])).isEqualTo(1);
            assertThat(Integer.parseInt(parts[1])).isEqualTo(6);
            assertThat(Integer.parseInt(parts[2].replaceFirst("\\D.*", ""))).isEqualTo(18);
        }
    }

    /** Proves: an HTTP request line closes the connection without a reply, as memcached does. */
    @Test
    void httpRequestLineClosesTheConnection() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("GET / HTTP/1.0\r\nversion\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
