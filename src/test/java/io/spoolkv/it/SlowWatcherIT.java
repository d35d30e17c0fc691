package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.testsupport.MaxSampler;
import io.spoolkv.testsupport.TextClient;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A watcher that does not read: the clients it watches run at full speed, its spool stays under
 * the high watermark, and when it reads again it is told how many lines it lost.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.spool.high-water-bytes=64KB", "spoolkv.spool.low-water-bytes=16KB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SlowWatcherIT {

    private static final int SETS = 25_000;
    /** Long keys make each line about 300 bytes: 7 MB in all, more than the kernel's socket buffers hold. */
    private static final String PREFIX = "k".repeat(200);
    private static final Pattern SKIPPED = Pattern.compile("skipped=(\\d+)");

    @Autowired
    MemcachedServer server;
    @Autowired
    SpoolService spools;

    /** Counts delivered lines and the losses the server reported. */
    private static final class Tally {
        long delivered;
        long skipped;

        void add(String line) {
            Matcher m = SKIPPED.matcher(line);
            if (m.matches()) {
                skipped += Long.parseLong(m.group(1));
            } else {
                assertThat(line).contains("type=item_store");
                delivered++;
            }
        }
    }

    @Test
    void slowWatcherLosesLinesAndIsToldHowMany() throws Exception {
        MaxSampler maxDepth = new MaxSampler(() -> spools.totals().depthBytes());
        try (maxDepth; TextClient watcher = new TextClient(server.port(), 8 * 1024);
             TextClient writer = new TextClient(server.port())) {
            watcher.send("watch mutations\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            Map<String, String> before = writer.stats(null);

            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < SETS; i++) {
                batch.append("set ").append(PREFIX).append(i).append(" 0 0 5 noreply\r\nvalue\r\n");
            }
            batch.append("version\r\n");
            writer.send(batch.toString());
            // The writer is answered promptly although nobody reads the watch stream.
            assertThat(writer.line()).startsWith("VERSION ");

            // Catch up with what the spool and the socket buffers held, until the stream goes quiet.
            Tally tally = new Tally();
            watcher.socket().setSoTimeout(2000);
            try {
                for (String line = watcher.line(); line != null; line = watcher.line()) {
                    tally.add(line);
                }
            } catch (java.net.SocketTimeoutException quiet) {
                // nothing more queued
            }
            watcher.socket().setSoTimeout(30_000);

            // Lines lost since the last report are announced ahead of the next line that gets through.
            writer.send("set last 0 0 1\r\nx\r\n");
            assertThat(writer.line()).isEqualTo("STORED");
            String line;
            do {
                line = watcher.line();
                tally.add(line);
            } while (!line.contains(" key=last "));
            long delivered = tally.delivered;
            long skipped = tally.skipped;
            assertThat(skipped).as("lines lost by the slow watcher").isPositive();
            assertThat(delivered + skipped).isEqualTo(SETS + 1);
            // memcached's logger stats tell the same story: every line written, each either sent or skipped.
            Map<String, String> after = writer.stats(null);
            assertThat(delta(before, after, "log_worker_written")).isEqualTo(SETS + 1);
            assertThat(delta(before, after, "log_watcher_sent")).isEqualTo(delivered);
            assertThat(delta(before, after, "log_watcher_skipped")).isEqualTo(skipped);
            assertThat(after.get("log_watchers")).isEqualTo("1");
        }
        assertThat(maxDepth.max()).isLessThanOrEqualTo(64 * 1024);
    }

    private static long delta(Map<String, String> before, Map<String, String> after, String name) {
        return Long.parseLong(after.get(name)) - Long.parseLong(before.get(name));
    }
}
