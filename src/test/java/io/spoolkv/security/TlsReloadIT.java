package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TestCertificates;
import io.spoolkv.testsupport.TestCertificates.Identity;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Certificate rotation (memcached's refresh_certs, done by Spring Boot's reload-on-update): when the PEM files
 * of the bundle change, new connections get the new certificate and open connections keep working.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.ssl.bundle=rotating", "spring.ssl.bundle.pem.rotating.reload-on-update=true",
        "spring.ssl.bundle.watch.file.quiet-period=300ms"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TlsReloadIT {

    static Path live;
    static Identity first;
    static Identity second;

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("spoolkv-rotate");
        first = TestCertificates.create(dir.resolve("first"), "server");
        second = TestCertificates.create(dir.resolve("second"), "server");
        live = Files.createDirectories(dir.resolve("live"));
        Files.copy(first.certificatePem(), live.resolve("tls.crt"));
        Files.copy(first.privateKeyPem(), live.resolve("tls.key"));
        registry.add("spring.ssl.bundle.pem.rotating.keystore.certificate", () -> "file:" + live.resolve("tls.crt"));
        registry.add("spring.ssl.bundle.pem.rotating.keystore.private-key", () -> "file:" + live.resolve("tls.key"));
    }

    @Autowired
    MemcachedServer memcached;
    @Autowired
    ServerTls tls;

    @Test
    void newConnectionsGetTheNewCertificateAndOpenOnesGoOn() throws Exception {
        SSLSocket before = TestCertificates.connect(memcached.port(), first, null);
        assertThat(TestCertificates.serverCertificate(before)).isEqualTo(first.certificate());
        try (TextClient old = new TextClient(before)) {
            Files.copy(second.privateKeyPem(), live.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(second.certificatePem(), live.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> tls.reloads() >= 1);
            try (SSLSocket after = TestCertificates.connect(memcached.port(), second, null);
                 TextClient fresh = new TextClient(after)) {
                assertThat(TestCertificates.serverCertificate(after)).isEqualTo(second.certificate());
                fresh.send("version\r\n");
                assertThat(fresh.line()).startsWith("VERSION ");
            }
            old.send("version\r\n");
            assertThat(old.line()).as("the connection opened before the reload goes on").startsWith("VERSION ");
        }
    }
}
