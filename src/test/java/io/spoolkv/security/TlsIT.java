package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.TestCertificates;
import io.spoolkv.testsupport.TestCertificates.Identity;
import io.spoolkv.testsupport.TextClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * TLS on the memcached port from a PEM SSL bundle (the chart's way): JDK TLS clients run every command family,
 * a key dump larger than the spool's high watermark and a watch stream over TLS; a plaintext client, a
 * handshake that never finishes and a client that does not trust the server's certificate are refused
 * without harming the server.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.ssl.bundle=memcached", "spoolkv.server.ssl.handshake-timeout=500ms",
        "spoolkv.spool.high-water-bytes=256KB", "spoolkv.spool.low-water-bytes=64KB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TlsIT {

    private static final int DUMP_KEYS = 20_000;

    static Identity server;
    static Identity stranger;

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("spoolkv-tls");
        server = TestCertificates.create(dir, "server");
        stranger = TestCertificates.create(dir, "stranger");
        registry.add("spring.ssl.bundle.pem.memcached.keystore.certificate", () -> "file:" + server.certificatePem());
        registry.add("spring.ssl.bundle.pem.memcached.keystore.private-key", () -> "file:" + server.privateKeyPem());
    }

    @Autowired
    MemcachedServer memcached;
    @Autowired
    ItemStore store;
    @Autowired
    ServerTls tls;

    private TextClient tlsClient() throws IOException {
        return new TextClient(TestCertificates.connect(memcached.port(), server, null));
    }

    @Test
    void storageRetrievalMetaAndStatsWorkOverTls() throws Exception {
        try (TextClient c = tlsClient()) {
            c.send("set greeting 5 0 5\r\nhello\r\nappend greeting 0 0 1\r\n!\r\nget greeting\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE greeting 5 6");
            assertThat(c.line()).isEqualTo("hello!");
            assertThat(c.line()).isEqualTo("END");
            c.send("set n 0 0 1\r\n7\r\nincr n 5\r\ndelete n\r\nmg greeting v f\r\nms m 2\r\nhi\r\nmn\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("12");
            assertThat(c.line()).isEqualTo("DELETED");
            assertThat(c.line()).isEqualTo("VA 6 f5");
            assertThat(c.line()).isEqualTo("hello!");
            assertThat(c.line()).isEqualTo("HD");
            assertThat(c.line()).isEqualTo("MN");
            c.send("stats\r\n");
            String line;
            boolean sawPid = false;
            while (!(line = c.line()).equals("END")) {
                sawPid |= line.startsWith("STAT pid ");
            }
            assertThat(sawPid).isTrue();
        }
    }

    /** The spool works unchanged above the SslHandler: a dump four times the high watermark arrives whole. */
    @Test
    void keyDumpAndWatchStreamOverTls() throws Exception {
        byte[] value = new byte[8];
        for (int i = 0; i < DUMP_KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("dump_%06d", i)), value, 0, 0));
        }
        try (TextClient dumper = tlsClient(); TextClient watcher = tlsClient(); TextClient writer = tlsClient()) {
            watcher.send("watch mutations\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            dumper.send("lru_crawler metadump all\r\nversion\r\n");
            Set<String> keys = new HashSet<>();
            String line;
            while (!(line = dumper.line()).equals("END")) {
                assertThat(line).startsWith("key=");
                String key = line.substring(4, line.indexOf(' '));
                if (key.startsWith("dump_")) {
                    assertThat(keys.add(key)).as("each key once: %s", key).isTrue();
                }
            }
            assertThat(keys).hasSize(DUMP_KEYS);
            assertThat(dumper.line()).startsWith("VERSION ");
            writer.send("set watched 0 0 2\r\nok\r\n");
            assertThat(writer.line()).isEqualTo("STORED");
            assertThat(watcher.line()).contains("type=item_store key=watched status=stored");
        }
    }

    /** A plaintext client on the TLS port is closed without an answer; the server goes on serving TLS. */
    @Test
    void plaintextClientIsRefusedAndTheServerGoesOn() throws Exception {
        long failuresBefore = tls.handshakeFailures();
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", memcached.port()), 5000);
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
            String received = readToEnd(plain.getInputStream());
            assertThat(received).doesNotContain("VERSION");
        }
        assertThat(tls.handshakeFailures()).isGreaterThan(failuresBefore);
        try (TextClient c = tlsClient()) {
            c.send("version\r\n");
            assertThat(c.line()).startsWith("VERSION ");
        }
    }

    /** spoolkv.server.ssl.handshake-timeout (500ms here): a client that starts a handshake and stalls is closed. */
    @Test
    void handshakeThatNeverFinishesIsClosedAfterTheTimeout() throws Exception {
        try (Socket stalled = new Socket()) {
            stalled.connect(new InetSocketAddress("127.0.0.1", memcached.port()), 5000);
            stalled.setSoTimeout(10_000);
            long start = System.nanoTime();
            // The header of a handshake record announcing 512 bytes, then nothing.
            stalled.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
            readToEnd(stalled.getInputStream());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis).as("closed after the 500ms timeout, not at once and not never").isBetween(400L, 5_000L);
        }
    }

    /** A client that does not trust the server's certificate fails its handshake; the server is unharmed. */
    @Test
    void clientThatDoesNotTrustTheCertificateFailsTheHandshake() throws Exception {
        assertThatThrownBy(() -> TestCertificates.connect(memcached.port(), stranger, null).close())
                .isInstanceOf(SSLHandshakeException.class);
        try (TextClient c = tlsClient()) {
            c.send("version\r\n");
            assertThat(c.line()).startsWith("VERSION ");
        }
    }

    /** Everything until the server closes (a TLS alert, if any, is read as bytes). */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
