package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.MaxSampler;
import io.spoolkv.testsupport.TextClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A key dump to a client that stops reading: the spool stays under its high watermark, the
 * producer parks without holding a thread, and the dump completes exactly once when the client
 * reads again; a client that leaves mid-dump gets everything released.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=256MB",
        "spoolkv.spool.high-water-bytes=256KB", "spoolkv.spool.low-water-bytes=64KB",
        "spoolkv.background.chunk-bytes=16KB"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyDumpBackpressureIT {

    private static final int KEYS = 200_000;
    private static final long HIGH_WATER = 256 * 1024;

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
            store.store(StoreRequest.of(StoreMode.SET, Key.of(key(i)), value, 0, 0));
        }
        assertThat(store.stats().currItems()).isEqualTo(KEYS);
    }

    private static String key(int i) {
        return String.format("key:%07d", i);
    }

    @Test
    void slowReaderParksTheDumpUnderTheBoundAndGetsEveryKeyOnce() throws Exception {
        MaxSampler maxDepth = new MaxSampler(
                () -> spools.spools().stream().mapToLong(ConnectionSpool::depthBytes).max().orElse(0));
        long started = System.nanoTime();
        try (maxDepth; TextClient client = new TextClient(server.port(), 16 * 1024)) {
            client.send("lru_crawler metadump all\r\nget key:0000000\r\n");

            // Not reading: the dump must pause, and give its thread back while paused.
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);
            Thread.sleep(500);
            assertThat(spools.totals().pausedProducers()).isEqualTo(1);
            assertThat(executor.activeCount()).isZero();
            long wouldBlockWhilePaused = spools.totals().wouldBlock();
            Thread.sleep(300);
            assertThat(spools.totals().wouldBlock())
                    .as("a parked producer does not spin on offers")
                    .isEqualTo(wouldBlockWhilePaused);

            int expected = 0;
            for (String line = client.line(); !line.equals("END"); line = client.line()) {
                assertThat(line).startsWith("key=" + key(expected).replace(":", "%3A") + " ");
                expected++;
            }
            assertThat(expected).isEqualTo(KEYS);
            // The pipelined get ran after the dump.
            assertThat(client.line()).isEqualTo("VALUE key:0000000 0 16");
            client.bytes(18);
            assertThat(client.line()).isEqualTo("END");
        }
        System.out.printf("metadump of %d keys: max spool depth %d bytes (bound %d), %d resumes, %d ms%n", KEYS,
                maxDepth.max(), HIGH_WATER, spools.totals().resumes(), (System.nanoTime() - started) / 1_000_000);
        assertThat(maxDepth.max()).isPositive().isLessThanOrEqualTo(HIGH_WATER);
        assertThat(spools.totals().resumes()).isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> spools.totals().depthBytes() == 0);
    }

    @Test
    void disconnectMidDumpReleasesEverything() throws Exception {
        try (TextClient client = new TextClient(server.port(), 16 * 1024)) {
            client.send("lru_crawler metadump all\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);
            assertThat(spools.totals().depthBytes()).isPositive();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> spools.spools().isEmpty());
        assertThat(spools.totals().depthBytes()).isZero();
        assertThat(spools.totals().depthFragments()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> executor.activeCount() == 0 && executor.queuedCount() == 0);
    }
}
