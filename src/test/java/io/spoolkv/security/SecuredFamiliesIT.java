package io.spoolkv.security;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETK;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.NOOP;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_AUTH;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SETQ;
import static io.spoolkv.testsupport.RangeScanClient.b64;
import static io.spoolkv.testsupport.RangeScanClient.continueScan;
import static io.spoolkv.testsupport.RangeScanClient.create;
import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.BinaryPackets.Response;
import io.spoolkv.testsupport.RangeScanClient;
import io.spoolkv.testsupport.TestCertificates;
import io.spoolkv.testsupport.TestCertificates.Identity;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 12's "done when" with TLS and authentication both on: every command family (text storage, retrieval and
 * meta; lru_crawler metadump; watch; binary get/set/quiet/NOOP; range scans) works through a JDK TLS client once
 * it has logged in (the text login or SASL PLAIN), and is refused over the same TLS connection before it.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.ssl.bundle=memcached", "spoolkv.auth.enabled=true",
        "spoolkv.spool.high-water-bytes=64KB", "spoolkv.spool.low-water-bytes=16KB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SecuredFamiliesIT {

    private static final String LOGIN = "set auth 0 0 12\r\nalice secret\r\n";
    private static final String UNAUTHENTICATED = "CLIENT_ERROR unauthenticated";
    private static final int SUCCESS = 0x00;
    private static final int KEY_ENOENT = 0x01;
    private static final int AUTH_ERROR = 0x20;
    private static final int SCAN_MORE = 0xa6;
    private static final int SCAN_COMPLETE = 0xa7;

    static Identity serverIdentity;

    @DynamicPropertySource
    static void tlsAndCredentials(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("spoolkv-secured");
        serverIdentity = TestCertificates.create(dir, "server");
        registry.add("spring.ssl.bundle.pem.memcached.keystore.certificate",
                () -> "file:" + serverIdentity.certificatePem());
        registry.add("spring.ssl.bundle.pem.memcached.keystore.private-key",
                () -> "file:" + serverIdentity.privateKeyPem());
        Path credentials = dir.resolve("credentials");
        Files.writeString(credentials, "alice:secret\n");
        registry.add("spoolkv.auth.credentials-file", credentials::toString);
    }

    @Autowired
    MemcachedServer memcached;
    @Autowired
    ItemStore store;

    private TextClient text() throws IOException {
        return new TextClient(TestCertificates.connect(memcached.port(), serverIdentity, null));
    }

    private RangeScanClient binary() throws IOException {
        return new RangeScanClient(TestCertificates.connect(memcached.port(), serverIdentity, null));
    }

    /** A text client over TLS that has logged in. */
    private TextClient loggedInText() throws IOException {
        TextClient c = text();
        c.send(LOGIN);
        assertThat(c.line()).isEqualTo("STORED");
        return c;
    }

    /** SASL PLAIN as alice on a binary TLS connection. */
    private static void saslLogin(RangeScanClient c) throws IOException {
        c.send(BinaryPackets.request(SASL_AUTH, 99, 0, new byte[0], BinaryPackets.ascii("PLAIN"),
                BinaryPackets.ascii("\0alice\0secret")));
        Response r = c.read();
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.valueText()).isEqualTo("Authenticated");
    }

    /** Property: text storage, retrieval and meta commands over TLS are refused before the login, served after it. */
    @Test
    void textStorageRetrievalAndMetaNeedTheLoginOverTls() throws Exception {
        try (TextClient c = text()) {
            for (String command : List.of("get greeting", "gets greeting", "mg greeting v", "ms greeting 2",
                    "delete greeting", "incr n 1", "mn")) {
                c.send(command + "\r\n");
                assertThat(c.line()).as(command).isEqualTo(UNAUTHENTICATED);
            }
            c.send(LOGIN + "get greeting\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).as("the login stored nothing, the refused commands ran nothing").isEqualTo("END");
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
        }
    }

    /**
     * Property: lru_crawler metadump over TLS is refused before the login and, after it, a dump several times the
     * spool's high watermark (64KB here) arrives whole through the SslHandler, each key once.
     */
    @Test
    void metadumpNeedsTheLoginAndArrivesWholeOverTls() throws Exception {
        int dumpKeys = 5_000;
        for (int i = 0; i < dumpKeys; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("dump_%05d", i)), new byte[8], 0, 0));
        }
        try (TextClient c = text()) {
            c.send("lru_crawler metadump all\r\n");
            assertThat(c.line()).isEqualTo(UNAUTHENTICATED);
            c.send(LOGIN + "lru_crawler metadump all\r\nversion\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            Set<String> keys = new HashSet<>();
            String line;
            while (!(line = c.line()).equals("END")) {
                assertThat(line).startsWith("key=");
                String key = line.substring(4, line.indexOf(' '));
                if (key.startsWith("dump_")) {
                    assertThat(keys.add(key)).as("each key once: %s", key).isTrue();
                }
            }
            assertThat(keys).hasSize(dumpKeys);
            assertThat(c.line()).as("the connection goes on after the dump").startsWith("VERSION ");
        }
    }

    /** Property: watch over TLS is refused before the login; after it, the watcher sees another client's write. */
    @Test
    void watchNeedsTheLoginAndStreamsOverTls() throws Exception {
        try (TextClient watcher = text(); TextClient writer = loggedInText()) {
            watcher.send("watch mutations\r\n");
            assertThat(watcher.line()).isEqualTo(UNAUTHENTICATED);
            writer.send("set unseen 0 0 2\r\nno\r\n");
            assertThat(writer.line()).isEqualTo("STORED");
            watcher.send(LOGIN + "watch mutations\r\n");
            assertThat(watcher.line()).isEqualTo("STORED");
            assertThat(watcher.line()).isEqualTo("OK");
            writer.send("set watched 0 0 2\r\nok\r\n");
            assertThat(writer.line()).isEqualTo("STORED");
            assertThat(watcher.line()).as("the first event is the write after the watch began")
                    .contains("type=item_store key=watched status=stored");
        }
    }

    /**
     * Property: binary GET, SET, the quiet forms and NOOP over TLS answer "auth error" and run nothing before SASL;
     * after it a pipeline of them is served in order, quiet ones silent.
     */
    @Test
    void binaryGetSetQuietAndNoopNeedSaslOverTls() throws Exception {
        try (RangeScanClient c = binary()) {
            List<byte[]> refused = List.of(
                    BinaryPackets.store(SET, 1, 0, "bin", BinaryPackets.ascii("v1"), 3, 0),
                    BinaryPackets.store(SETQ, 2, 0, "bin", BinaryPackets.ascii("v2"), 3, 0),
                    BinaryPackets.keyOnly(GET, 3, "bin"),
                    BinaryPackets.keyOnly(GETQ, 4, "bin"),
                    BinaryPackets.empty(NOOP, 5));
            for (byte[] request : refused) {
                c.send(request);
                Response r = c.read();
                assertThat(r.status()).as("opcode 0x%02x", request[1]).isEqualTo(AUTH_ERROR);
                assertThat(r.opaque()).as("the refusal answers this request")
                        .isEqualTo(ByteBuffer.wrap(request, 12, 4).getInt());
            }
            saslLogin(c);
            c.send(BinaryPackets.keyOnly(GET, 6, "bin"));
            assertThat(c.read().status()).as("no refused SET ran").isEqualTo(KEY_ENOENT);
            c.send(BinaryPackets.store(SETQ, 7, 0, "bin", BinaryPackets.ascii("value"), 9, 0),
                    BinaryPackets.keyOnly(GETQ, 8, "absent"),
                    BinaryPackets.keyOnly(GETK, 9, "bin"),
                    BinaryPackets.store(SET, 10, 0, "bin2", BinaryPackets.ascii("x"), 0, 0),
                    BinaryPackets.empty(NOOP, 11));
            Response get = c.read();
            assertThat(get.opaque()).as("the quiet SET and the quiet miss answered nothing").isEqualTo(9);
            assertThat(get.status()).isEqualTo(SUCCESS);
            assertThat(get.keyText()).isEqualTo("bin");
            assertThat(get.valueText()).isEqualTo("value");
            assertThat(get.flags()).isEqualTo(9);
            Response set = c.read();
            assertThat(set.opaque()).isEqualTo(10);
            assertThat(set.status()).isEqualTo(SUCCESS);
            Response noop = c.read();
            assertThat(noop.opaque()).isEqualTo(11);
            assertThat(noop.opcode()).isEqualTo(NOOP);
        }
    }

    /**
     * Property: a range scan create over TLS is refused before SASL; after it a key-only scan is created and
     * continued (cut by an item limit) to completion, its range in key order, each key once.
     */
    @Test
    void rangeScanNeedsSaslAndRunsToCompletionOverTls() throws Exception {
        List<String> expected = IntStream.range(0, 60).mapToObj(i -> String.format("scan:%02d", i)).toList();
        for (String key : expected) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(key), BinaryPackets.ascii("v"), 0, 0));
        }
        String json = "{\"key_only\":true,\"range\":{\"start\":\"" + b64("scan:00") + "\",\"end\":\"" + b64("scan:59")
                + "\"}}";
        try (RangeScanClient c = binary()) {
            c.send(create(1, json));
            Response refused = c.read();
            assertThat(refused.status()).isEqualTo(AUTH_ERROR);
            assertThat(refused.valueText()).as("no scan id before a login").isEqualTo("Auth failure.");
            saslLogin(c);
            byte[] id = c.created(json);
            List<String> seen = new ArrayList<>();
            int continues = 0;
            for (;;) {
                c.send(continueScan(2, id, 25, 0, 0));
                RangeScanClient.Continued part = c.readContinue(true);
                seen.addAll(part.keys());
                continues++;
                if (part.finalStatus() == SCAN_COMPLETE) {
                    break;
                }
                assertThat(part.finalStatus()).isEqualTo(SCAN_MORE);
                assertThat(continues).as("the scan ends").isLessThan(10);
            }
            assertThat(seen).containsExactlyElementsOf(expected);
            assertThat(continues).isEqualTo(3);
        }
    }
}
