package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.TextClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * lru_crawler_running settles however a crawl or dump ends. The spool is large enough to take a whole dump,
 * so the producer ends and queues its Finish while the client reads nothing; the client then leaves, the
 * spool discards the queued Finish, and the crawl must still count as finished.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=256MB",
        "spoolkv.spool.high-water-bytes=48MB", "spoolkv.spool.low-water-bytes=1MB",
        "spoolkv.spool.max-total-bytes=64MB"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrawlerRunningIT {

    private static final int KEYS = 200_000;

    @Autowired
    MemcachedServer server;
    @Autowired
    SpoolService spools;
    @Autowired
    ItemStore store;
    @Autowired
    BackgroundExecutor executor;

    @BeforeAll
    void fill() {
        byte[] value = new byte[16];
        for (int i = 0; i < KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("key:%07d", i)), value, 0, 0));
        }
    }

    /**
     * Proves (B2): a metadump whose client disconnects with the Finish still queued leaves lru_crawler_running 0;
     * and (R5) while it runs, a crawl answers BUSY as memcached's single crawler does.
     */
    @Test
    void dumpClosedWithItsFinishQueuedIsNotLeftRunning() throws Exception {
        try (TextClient watcher = new TextClient(server.port())) {
            try (TextClient dumper = new TextClient(server.port(), 16 * 1024)) {
                dumper.send("lru_crawler metadump all\r\n");
                // Not reading: the whole dump (about 18 MB, more than the socket buffers) lands in the spool,
                // and the producer ends with its Finish queued behind bytes the channel cannot take.
                await().atMost(Duration.ofSeconds(90)).until(() -> spools.totals().depthBytes() > 8 * 1024 * 1024
                        && executor.activeCount() == 0 && executor.queuedCount() == 0);
                assertThat(spools.totals().pausedProducers()).isZero();
                assertThat(watcher.stats(null).get("lru_crawler_running")).isEqualTo("1");
                // (R5) one crawler, as memcached: a crawl asked for while the dump runs is refused
                watcher.send("lru_crawler crawl all\r\n");
                assertThat(watcher.line()).isEqualTo("BUSY currently processing crawler request");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> spools.totals().depthBytes() == 0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "0".equals(watcher.stats(null).get("lru_crawler_running")));
            // and the crawler is free again: a crawl runs and settles
            watcher.send("lru_crawler crawl all\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "0".equals(watcher.stats(null).get("lru_crawler_running")));
        }
    }
}
