package io.spoolkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.spoolkv.SpoolkvApplication;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Closing the application context (what SIGTERM does) with a key dump in flight to a slow reader:
 * readiness goes DOWN first, the listener stops accepting, the dump and the request read behind it are
 * answered, then the connection closes; a client that never reads is closed after the shutdown timeout.
 * Either way nothing stays in the spools and no buffer leaks (the leak check runs after the class).
 */
class GracefulShutdownIT {

    private static final int KEYS = 100_000;

    private final List<ReadinessState> readiness = new CopyOnWriteArrayList<>();

    private ConfigurableApplicationContext start(String shutdownTimeout) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SpoolkvApplication.class)
                .listeners((ApplicationListener<AvailabilityChangeEvent<?>>) event -> {
                    if (event.getState() instanceof ReadinessState state) {
                        readiness.add(state);
                    }
                })
                .run("--spoolkv.server.port=0", "--spoolkv.server.host=127.0.0.1", "--server.port=0",
                        "--spoolkv.server.shutdown-timeout=" + shutdownTimeout,
                        "--spoolkv.spool.high-water-bytes=256KB", "--spoolkv.spool.low-water-bytes=64KB",
                        "--spoolkv.store.max-memory=256MB");
        ItemStore store = context.getBean(ItemStore.class);
        byte[] value = new byte[16];
        for (int i = 0; i < KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(key(i)), value, 0, 0));
        }
        return context;
    }

    private static String key(int i) {
        return String.format("key:%07d", i);
    }

    @Test
    void dumpInFlightIsFinishedThenTheConnectionCloses() throws Exception {
        ConfigurableApplicationContext context = start("30s");
        MemcachedServer server = context.getBean(MemcachedServer.class);
        SpoolService spools = context.getBean(SpoolService.class);
        int port = server.port();
        int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        assertThat(readiness).contains(ReadinessState.ACCEPTING_TRAFFIC);

        try (TextClient client = new TextClient(port, 16 * 1024)) {
            // The get is read with the dump (one packet) and waits behind it: it must be answered too.
            client.send("lru_crawler metadump all\r\nget key:0000000\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
            await().atMost(Duration.ofSeconds(10)).until(server::isDraining);

            assertThat(readiness).endsWith(ReadinessState.REFUSING_TRAFFIC);
            HttpResponse<String> probe = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/health/readiness"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(probe.statusCode()).isEqualTo(503);
            assertThat(probe.body()).contains("\"status\":\"DOWN\"");
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                }
            }).as("the listener no longer accepts").isInstanceOf(ConnectException.class);
            assertThat(closing).isNotDone();

            // Now read: the whole dump, the pipelined get, then a clean end of stream.
            int lines = 0;
            for (String line = client.line(); !"END".equals(line); line = client.line()) {
                assertThat(line).as("dump line %d", lines).startsWith("key=key%3A" + key(lines).substring(4) + " ");
                lines++;
            }
            assertThat(lines).isEqualTo(KEYS);
            assertThat(client.line()).isEqualTo("VALUE key:0000000 0 16");
            client.bytes(18);
            assertThat(client.line()).isEqualTo("END");
            assertThat(client.closedByServer()).isTrue();

            closing.get(30, TimeUnit.SECONDS);
        }
        assertThat(spools.totals().depthBytes()).isZero();
        assertThat(spools.spools()).isEmpty();
        assertThat(context.isActive()).isFalse();
    }

    @Test
    void clientThatNeverReadsIsClosedAfterTheTimeout() throws Exception {
        ConfigurableApplicationContext context = start("1s");
        MemcachedServer server = context.getBean(MemcachedServer.class);
        SpoolService spools = context.getBean(SpoolService.class);
        BackgroundExecutor executor = context.getBean(BackgroundExecutor.class);
        try (TextClient client = new TextClient(server.port(), 16 * 1024)) {
            client.send("lru_crawler metadump all\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spools.totals().pausedProducers() == 1);

            long started = System.nanoTime();
            context.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(tookMillis).as("waited for the timeout, not much longer").isBetween(900L, 15_000L);

            // Whatever the socket had taken arrives, then end of stream: truncated, but not reset.
            assertThat(drainToEof(client)).isPositive();
        }
        assertThat(spools.totals().depthBytes()).isZero();
        assertThat(spools.totals().depthFragments()).isZero();
        assertThat(spools.spools()).isEmpty();
        assertThat(executor.activeCount()).isZero();
    }

    @Test
    void idleConnectionsCloseAtOnce() throws Exception {
        ConfigurableApplicationContext context = start("30s");
        MemcachedServer server = context.getBean(MemcachedServer.class);
        try (TextClient client = new TextClient(server.port())) {
            client.send("set k 0 0 1\r\nx\r\n");
            assertThat(client.line()).isEqualTo("STORED");
            long started = System.nanoTime();
            context.close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(10_000L);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    private static long drainToEof(TextClient client) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = client.input().read(buf)) != -1; ) {
            total += n;
        }
        return total;
    }
}
