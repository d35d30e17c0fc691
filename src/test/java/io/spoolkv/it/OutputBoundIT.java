package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.MaxSampler;
import io.spoolkv.testsupport.ServerSide;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * One output bound for ordinary replies (issue 8): a client that pipelines requests and never reads costs the
 * server at most its write watermark plus one value and one read, whatever it sends; very large answers go out
 * value by value at the reader's pace; {@code quit} and a half-close deliver everything answered before them.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=256MB", "spoolkv.store.max-item-size=1MB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutputBoundIT {

    private static final int BIG = 100 * 1024;
    private static final int MEGA = 1024 * 1024;
    /** spoolkv.server.write-high-water-bytes, default. */
    private static final long WRITE_HIGH_WATER = 64 * 1024;

    @Autowired
    MemcachedServer server;
    @Autowired
    ConnectionRegistry registry;
    @Autowired
    SpoolService spools;
    @Autowired
    ItemStore store;

    @BeforeAll
    void fill() {
        put("big", BIG, 'b');
        put("mega", MEGA, 'm');
        put("small", 5, 's');
    }

    private void put(String key, int size, char fill) {
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) fill);
        store.store(StoreRequest.of(StoreMode.SET, Key.of(key), value, 0, 0));
    }

    /** The server side of a client's connection. */
    private Channel serverSideOf(int clientLocalPort) {
        return ServerSide.of(registry, clientLocalPort);
    }

    private static long pendingOutbound(Channel ch) {
        return ServerSide.pendingOutbound(ch);
    }

    private static long usedDirect() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    @Test
    void aClientThatPipelinesGetsAndNeverReadsCostsAtMostTheBound() throws Exception {
        long directBefore = usedDirect();
        byte[] request = "get big\r\n".getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel flood = SocketChannel.open()) {
            flood.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            flood.connect(new InetSocketAddress("127.0.0.1", server.port()));
            flood.configureBlocking(false);
            Channel serverSide = serverSideOf(((InetSocketAddress) flood.getLocalAddress()).getPort());
            try (MaxSampler pending = new MaxSampler(() -> pendingOutbound(serverSide));
                 MaxSampler direct = new MaxSampler(OutputBoundIT::usedDirect)) {
                // Up to 100,000 pipelined gets of a 100 KiB value (10 GB of answers), for at most 4 s: the
                // server stops reading once its write watermark is reached, so the kernel buffers fill and the
                // client cannot even send them all.
                ByteBuffer out = ByteBuffer.allocate(request.length * 1000);
                int sent = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                while (sent < 100_000 && System.nanoTime() < deadline) {
                    if (!out.hasRemaining() || out.position() == 0) {
                        out.clear();
                        for (int i = 0; i < 1000; i++) {
                            out.put(request);
                        }
                        out.flip();
                        sent += 1000;
                    }
                    if (flood.write(out) == 0) {
                        Thread.sleep(5);
                    }
                }
                // Meanwhile another client is served at full speed.
                try (TextClient other = new TextClient(server.port())) {
                    for (int i = 0; i < 500; i++) {
                        other.send("set k" + i + " 0 0 1\r\nx\r\nget small\r\n");
                        assertThat(other.line()).isEqualTo("STORED");
                        assertThat(other.line()).isEqualTo("VALUE small 0 5");
                        assertThat(other.line()).isEqualTo("sssss");
                        assertThat(other.line()).isEqualTo("END");
                    }
                }
                // Bound: the watermark, plus the value whose write crossed it (header included).
                assertThat(pending.max()).isLessThanOrEqualTo(WRITE_HIGH_WATER + BIG + 64);
                // The pooled allocator grows in 4 MiB chunks; a few of them at most, not the gigabytes of answers.
                assertThat(direct.max() - directBefore).isLessThan(16L * MEGA);
            }
            // Still in step: the answers that did go out are whole.
            flood.configureBlocking(true);
            InputStream in = flood.socket().getInputStream();
            for (int i = 0; i < 3; i++) {
                assertThat(readLine(in)).isEqualTo("VALUE big 0 " + BIG);
                assertThat(in.readNBytes(BIG + 2).length).isEqualTo(BIG + 2);
                assertThat(readLine(in)).isEqualTo("END");
            }
        }
        // Abrupt client exit: everything queued for it is released.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(usedDirect() - directBefore).isLessThan(16L * MEGA));
        try (TextClient after = new TextClient(server.port())) {
            after.send("get small\r\n");
            assertThat(after.line()).isEqualTo("VALUE small 0 5");
        }
    }

    @Test
    void aGetOfAMegabyteItem2200TimesIsAnsweredInFullAtTheReadersPace() throws Exception {
        int times = 2200; // 2.3 GB of answer: more than an int can count
        StringBuilder line = new StringBuilder("get");
        for (int i = 0; i < times; i++) {
            line.append(" mega");
        }
        try (TextClient client = new TextClient(server.port(), 256 * 1024)) {
            Channel serverSide = serverSideOf(client.socket().getLocalPort());
            client.send(line + "\r\n");
            String header = "VALUE mega 0 " + MEGA;
            byte[] value = new byte[MEGA + 2];
            try (MaxSampler pending = new MaxSampler(() -> pendingOutbound(serverSide))) {
                for (int i = 0; i < times; i++) {
                    assertThat(client.line()).as("value %d", i).isEqualTo(header);
                    int n = client.input().readNBytes(value, 0, value.length);
                    assertThat(n).isEqualTo(value.length);
                    assertThat(value[0]).isEqualTo((byte) 'm');
                    assertThat(value[MEGA - 1]).isEqualTo((byte) 'm');
                    assertThat(value[MEGA]).isEqualTo((byte) '\r');
                }
                assertThat(client.line()).isEqualTo("END");
                assertThat(pending.max()).isLessThanOrEqualTo(WRITE_HIGH_WATER + MEGA + 64);
            }
            client.send("version\r\n");
            assertThat(client.line()).startsWith("VERSION ");
        }
    }

    @Test
    void quitDeliversEverythingAnsweredBeforeItToASlowReader() throws Exception {
        try (TextClient client = new TextClient(server.port(), 32 * 1024)) {
            client.send("get mega\r\n".repeat(8) + "quit\r\n");
            Thread.sleep(300); // the client is slow to start reading: the server is blocked on writes meanwhile
            long total = drain(client.input());
            long perAnswer = ("VALUE mega 0 " + MEGA + "\r\n").length() + MEGA + 2 + "END\r\n".length();
            assertThat(total).isEqualTo(8 * perAnswer);
        }
    }

    @Test
    void aClientThatShutsDownItsSendingSideGetsEveryAnswerThenTheClose() throws Exception {
        try (TextClient client = new TextClient(server.port(), 32 * 1024)) {
            client.send("get mega\r\nlru_crawler metadump all\r\nget small\r\n");
            client.socket().shutdownOutput();
            assertThat(client.line()).isEqualTo("VALUE mega 0 " + MEGA);
            assertThat(client.bytes(MEGA + 2).length).isEqualTo(MEGA + 2);
            assertThat(client.line()).isEqualTo("END");
            int dumped = 0;
            for (String l = client.line(); !"END".equals(l); l = client.line()) {
                assertThat(l).startsWith("key=");
                dumped++;
            }
            assertThat(dumped).isGreaterThanOrEqualTo(3);
            assertThat(client.line()).isEqualTo("VALUE small 0 5");
            assertThat(client.line()).isEqualTo("sssss");
            assertThat(client.line()).isEqualTo("END");
            assertThat(client.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spools.totals().depthBytes()).isZero());
    }

    @Test
    void aHalfClosedClientWithNothingPendingIsClosed() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            client.send("get small\r\n");
            client.socket().shutdownOutput();
            assertThat(client.line()).isEqualTo("VALUE small 0 5");
            assertThat(client.line()).isEqualTo("sssss");
            assertThat(client.line()).isEqualTo("END");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) != -1; ) {
            total += n;
        }
        return total;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                int end = sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r' ? sb.length() - 1 : sb.length();
                return sb.substring(0, end);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }
}
