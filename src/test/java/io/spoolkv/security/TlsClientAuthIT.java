package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TestCertificates;
import io.spoolkv.testsupport.TestCertificates.Identity;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * TLS from a JKS-type bundle (PKCS12 files) with {@code client-auth=need}, and the text login on top: only a
 * client with a trusted certificate gets a session, and over it the login gates every command, stats and watch
 * included; once logged in, the client runs storage, retrieval, a dump and a watch over TLS.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.ssl.bundle=mc", "spoolkv.server.ssl.client-auth=need", "spoolkv.auth.enabled=true"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TlsClientAuthIT {

    static Identity server;
    static Identity client;
    static Identity stranger;

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("spoolkv-mtls");
        server = TestCertificates.create(dir, "server");
        client = TestCertificates.create(dir, "client");
        stranger = TestCertificates.create(dir, "stranger");
        String password = new String(TestCertificates.PASSWORD);
        registry.add("spring.ssl.bundle.jks.mc.keystore.location", () -> "file:" + server.keystore());
        registry.add("spring.ssl.bundle.jks.mc.keystore.password", () -> password);
        registry.add("spring.ssl.bundle.jks.mc.keystore.type", () -> "PKCS12");
        registry.add("spring.ssl.bundle.jks.mc.truststore.location", () -> "file:" + client.truststore());
        registry.add("spring.ssl.bundle.jks.mc.truststore.password", () -> password);
        registry.add("spring.ssl.bundle.jks.mc.truststore.type", () -> "PKCS12");
        Path credentials = dir.resolve("credentials");
        Files.writeString(credentials, "alice:secret\n");
        registry.add("spoolkv.auth.credentials-file", credentials::toString);
    }

    @Autowired
    MemcachedServer memcached;

    @Test
    void aTrustedClientLogsInAndRunsEveryFamilyOverTls() throws Exception {
        try (TextClient c = new TextClient(TestCertificates.connect(memcached.port(), server, client));
             TextClient watcher = new TextClient(TestCertificates.connect(memcached.port(), server, client))) {
            c.send("stats\r\nwatch mutations\r\nlru_crawler metadump all\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR unauthenticated");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR unauthenticated");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR unauthenticated");
            watcher.send("set auth 0 0 12\r\nalice secret\r\nwatch mutations\r\n");
            assertThat(watcher.line()).isEqualTo("STORED");
            assertThat(watcher.line()).isEqualTo("OK");
            c.send("set auth 0 0 12\r\nalice secret\r\nset k 0 0 1\r\nv\r\nget k\r\nmg k v\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE k 0 1");
            assertThat(c.line()).isEqualTo("v");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).isEqualTo("VA 1");
            assertThat(c.line()).isEqualTo("v");
            assertThat(watcher.line()).contains("type=item_store key=k status=stored");
            c.send("lru_crawler metadump all\r\nstats\r\n");
            assertThat(c.line()).startsWith("key=k ");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).startsWith("STAT pid ");
        }
    }

    @Test
    void aClientWithoutACertificateGetsNoSession() {
        assertThat(versionReply(null)).startsWith("refused");
    }

    @Test
    void aClientWithAnUntrustedCertificateGetsNoSession() {
        assertThat(versionReply(stranger)).startsWith("refused");
    }

    /**
     * What a client with this certificate gets for "version" (with TLS 1.3 the server's refusal of the client
     * certificate may only show on the first read): the reply line, or "refused" and why.
     */
    private String versionReply(Identity own) {
        try (TextClient c = new TextClient(TestCertificates.connect(memcached.port(), server, own))) {
            c.send("version\r\n");
            String line = c.line();
            return line == null ? "refused: closed" : line;
        } catch (IOException e) {
            return "refused: " + e;
        }
    }
}
