package io.spoolkv.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.TextClient;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.io.ClassPathResource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The actuator over real HTTP, against the real memcached listener. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1", "spoolkv.store.max-memory=256MB",
        "spoolkv.spool.high-water-bytes=256KB", "spoolkv.spool.low-water-bytes=64KB"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActuatorEndpointsIT {

    private static final int KEYS = 100_000;

    @Value("${local.server.port}")
    int httpPort;
    @Autowired
    MemcachedServer server;
    @Autowired
    SpoolService spools;
    @Autowired
    ItemStore store;

    WebTestClient http;

    @BeforeAll
    void setUp() {
        byte[] value = new byte[16];
        for (int i = 0; i < KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("key:%07d", i)), value, 0, 0));
        }
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + httpPort)
                .responseTimeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void pausedDumpIsVisibleAndDeleteClosesItsConnection() throws Exception {
        AtomicReference<String> id = new AtomicReference<>();
        try (TextClient client = new TextClient(server.port(), 16 * 1024)) {
            client.send("lru_crawler metadump all\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);

            http.get().uri("/actuator/spool").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.pausedProducers").isEqualTo(1)
                    .jsonPath("$.depthBytes").value(Number.class, v -> assertThat(v.longValue()).isPositive())
                    .jsonPath("$.depthFragments").value(Number.class, v -> assertThat(v.longValue()).isPositive())
                    .jsonPath("$.maxTotalBytes").isEqualTo(64 * 1024 * 1024)
                    .jsonPath("$.wouldBlock").value(Number.class, v -> assertThat(v.longValue()).isPositive())
                    .jsonPath("$.resumes").exists()
                    .jsonPath("$.connections.length()").isEqualTo(1)
                    .jsonPath("$.connections[0].producerPaused").isEqualTo(true)
                    .jsonPath("$.connections[0].command").isEqualTo("lru_crawler metadump")
                    .jsonPath("$.connections[0].writable").isEqualTo(false)
                    .jsonPath("$.connections[0].remote").value(String.class, r -> assertThat(r).contains("127.0.0.1"))
                    .jsonPath("$.connections[0].oldestPendingMillis").exists()
                    .jsonPath("$.connections[0].bytesSent").exists()
                    .jsonPath("$.connections[0].depthBytes")
                    .value(Number.class, v -> assertThat(v.longValue()).isPositive())
                    .jsonPath("$.connections[0].id").value(String.class, id::set);

            http.get().uri("/actuator/spool/{id}", id.get()).exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.id").isEqualTo(id.get())
                    .jsonPath("$.producerPaused").isEqualTo(true)
                    .jsonPath("$.command").isEqualTo("lru_crawler metadump");
            assertThat(prometheus()).contains("spoolkv_spool_producers_paused 1.0");

            http.delete().uri("/actuator/spool/{id}", id.get()).exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.id").isEqualTo(id.get())
                    .jsonPath("$.closed").isEqualTo(true)
                    .jsonPath("$.command").isEqualTo("lru_crawler metadump")
                    .jsonPath("$.releasedBytes").value(Number.class, v -> assertThat(v.longValue()).isPositive())
                    .jsonPath("$.depthBytesAfter").isEqualTo(0);

            // The client gets what the socket had taken, then end of stream.
            assertThat(drainToEof(client.input())).isPositive();
        }
        http.get().uri("/actuator/spool").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.depthBytes").isEqualTo(0)
                .jsonPath("$.depthFragments").isEqualTo(0)
                .jsonPath("$.pausedProducers").isEqualTo(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> spools.spools().isEmpty());
        assertThat(prometheus()).contains("spoolkv_spool_depth_bytes 0.0", "spoolkv_spool_producers_paused 0.0");
        http.get().uri("/actuator/spool/{id}", id.get()).exchange().expectStatus().isNotFound()
                .expectBody().returnResult(); // consume the body: an unread one leaks its buffer
        http.delete().uri("/actuator/spool/{id}", id.get()).exchange().expectStatus().isNotFound()
                .expectBody().returnResult(); // consume the body: an unread one leaks its buffer
    }

    /**
     * /actuator/spool shows the last minute's flush latency, measured: a dump whose client does not read for
     * half a second has a drain pass that waited that long for the socket, in its connection (which keeps its
     * latest 64 passes) and in the totals.
     */
    @Test
    void spoolEndpointShowsRecentFlushLatency() throws Exception {
        AtomicReference<String> id = new AtomicReference<>();
        try (TextClient client = new TextClient(server.port(), 16 * 1024)) {
            client.send("lru_crawler metadump all\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);
            http.get().uri("/actuator/spool").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.connections.length()").isEqualTo(1)
                    .jsonPath("$.connections[0].id").value(String.class, id::set);
            Thread.sleep(500); // the socket takes nothing meanwhile: the pass in flight waits
            // Read on until the waiting pass shows (the socket's send buffer must empty enough first), well
            // before this connection's last 64 passes push it out.
            ConnectionSpool spool = spools.spools().iterator().next();
            long read = 0;
            while (spool.stats().flushLatency().maxMillis() < 450 && read < 4 * 1024 * 1024) {
                read += client.bytes(16 * 1024).length;
            }

            http.get().uri("/actuator/spool/{id}", id.get()).exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.flushLatency.samples")
                    .value(Number.class, n -> assertThat(n.intValue()).isBetween(1, ConnectionSpool.RECENT_SAMPLES))
                    .jsonPath("$.flushLatency.maxMillis")
                    .value(Number.class, v -> assertThat(v.doubleValue()).isGreaterThanOrEqualTo(450))
                    .jsonPath("$.flushLatency").value(Map.class, f -> assertThat(
                            ((Number) f.get("p50Millis")).doubleValue())
                            .isLessThanOrEqualTo(((Number) f.get("p99Millis")).doubleValue())
                            .isLessThanOrEqualTo(((Number) f.get("maxMillis")).doubleValue()));

            while (!"END".equals(client.line())) {
                // the rest of the dump
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> spools.totals().depthBytes() == 0);
            http.get().uri("/actuator/spool").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.flushLatency.samples").value(Number.class, n -> assertThat(n.intValue()).isPositive())
                    .jsonPath("$.flushLatency.maxMillis")
                    .value(Number.class, v -> assertThat(v.doubleValue()).isGreaterThanOrEqualTo(450))
                    .jsonPath("$.connections[0].flushLatency.samples")
                    .value(Number.class, n -> assertThat(n.intValue()).isBetween(1, ConnectionSpool.RECENT_SAMPLES));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> spools.spools().isEmpty());
    }

    @Test
    void memcachedEndpointShowsListenerConnectionsAndStore() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            client.send("get key:0000001\r\n");
            assertThat(client.line()).isEqualTo("VALUE key:0000001 0 16");
            client.bytes(18);
            assertThat(client.line()).isEqualTo("END");
            client.send("get nothing-here\r\n");
            assertThat(client.line()).isEqualTo("END");

            http.get().uri("/actuator/memcached").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.listener.address").isEqualTo("127.0.0.1")
                    .jsonPath("$.listener.port").isEqualTo(server.port())
                    .jsonPath("$.listener.transport").value(String.class, t -> assertThat(t).isIn("epoll", "nio"))
                    .jsonPath("$.listener.accepting").isEqualTo(true)
                    .jsonPath("$.connections.current").value(Number.class, n -> assertThat(n.longValue()).isPositive())
                    .jsonPath("$.connections.total").value(Number.class, n -> assertThat(n.longValue()).isPositive())
                    .jsonPath("$.store.items").isEqualTo(KEYS)
                    .jsonPath("$.store.bytes").value(Number.class, n -> assertThat(n.longValue()).isPositive())
                    .jsonPath("$.store.limit").isEqualTo(256 * 1024 * 1024)
                    .jsonPath("$.store.evictions").isEqualTo(0)
                    .jsonPath("$.store.hits").value(Number.class, n -> assertThat(n.longValue()).isPositive())
                    .jsonPath("$.store.misses").value(Number.class, n -> assertThat(n.longValue()).isPositive());
        }
    }

    @Test
    void probesAreUpOnceTheListenerIsBound() {
        http.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.readinessState.status").isEqualTo("UP")
                .jsonPath("$.components.memcachedListener.status").isEqualTo("UP")
                .jsonPath("$.components.memcachedListener.details.port").isEqualTo(server.port());
        http.get().uri("/actuator/health/liveness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
    }

    @Test
    void infoHasBuildAndGit() {
        WebTestClient.BodyContentSpec body = http.get().uri("/actuator/info").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.build.artifact").isEqualTo("spoolkv")
                .jsonPath("$.build.version").exists();
        if (new ClassPathResource("git.properties").exists()) { // absent when built outside a git checkout
            body.jsonPath("$.git.commit.id").exists();
        }
    }

    @Test
    void prometheusHasEverySpoolkvMeterWithHelp() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            client.send("get key:0000002\r\n");
            while (!"END".equals(client.line())) {
                // the value and its line
            }
        }
        String exposition = prometheus();
        for (String sample : new String[] {
                "spoolkv_commands_total{command=\"get\"}", "spoolkv_commands_total{command=\"set\"}",
                "spoolkv_store_hits_total{command=\"get\"}", "spoolkv_store_misses_total{command=\"get\"}",
                "spoolkv_store_items ", "spoolkv_store_bytes ", "spoolkv_store_limit_bytes ",
                "spoolkv_store_evictions_total ", "spoolkv_connections_current ", "spoolkv_connections_total ",
                "spoolkv_connections_rejected_total ", "spoolkv_spool_depth_bytes ", "spoolkv_spool_fragments ",
                "spoolkv_spool_would_block_total ", "spoolkv_spool_resumes_total ",
                "spoolkv_spool_producers_paused ", "spoolkv_spool_limit_bytes ", "spoolkv_spool_drain_passes_total ",
                "spoolkv_spool_flush_latency_seconds_bucket", "spoolkv_background_queued_tasks ",
                "spoolkv_background_active_threads "}) {
            assertThat(exposition).as(sample).contains("\n" + sample);
        }
        assertThat(exposition).contains("# HELP spoolkv_commands_total Commands run")
                .contains("# HELP spoolkv_store_items Live items");
    }

    @Test
    void onlyTheOperatorEndpointsAreExposed() {
        for (String hidden : new String[] {"env", "beans", "configprops", "heapdump", "threaddump", "loggers"}) {
            http.get().uri("/actuator/" + hidden).exchange().expectStatus().isNotFound()
                .expectBody().returnResult(); // consume the body: an unread one leaks its buffer
        }
        http.get().uri("/actuator").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$._links.spool").exists()
                .jsonPath("$._links.memcached").exists()
                .jsonPath("$._links.prometheus").exists()
                .jsonPath("$._links.info").exists()
                .jsonPath("$._links.health").exists()
                .jsonPath("$._links.env").doesNotExist();
    }

    private String prometheus() {
        return http.get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    private static long drainToEof(InputStream in) throws Exception {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) != -1; ) {
            total += n;
        }
        return total;
    }
}
