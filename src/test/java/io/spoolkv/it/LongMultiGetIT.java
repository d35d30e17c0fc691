package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Multi-key gets far beyond memcached's 2048-byte line limit, as clients send them, over loopback:
 * they are answered in full under the default spoolkv.server.max-retrieval-line (4MB), and a longer
 * line is refused without losing the connection.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LongMultiGetIT {

    static final int KEYS = 10_000;

    @Autowired
    MemcachedServer server;

    final List<String> keys = new ArrayList<>();

    /** 10,000 keys of 60 bytes (a 610 KB get line), stored with one pipelined batch of noreply sets. */
    @BeforeAll
    void store() throws Exception {
        StringBuilder sets = new StringBuilder();
        for (int i = 0; i < KEYS; i++) {
            String key = String.format("long-multi-get-%05d-", i) + "k".repeat(39);
            keys.add(key);
            String value = "v" + i;
            sets.append("set ").append(key).append(" 0 0 ").append(value.length()).append(" noreply\r\n")
                    .append(value).append("\r\n");
        }
        try (TextClient c = new TextClient(server.port())) {
            c.send(sets + "mn\r\n");
            assertThat(c.line()).isEqualTo("MN");
        }
    }

    /** Proves: spymemcached's getBulk of 10,000 keys, default connection factory (get merging on), gets every value. */
    @Test
    void spymemcachedGetBulkOfTenThousandKeys() throws Exception {
        net.spy.memcached.MemcachedClient spy = new net.spy.memcached.MemcachedClient(
                new InetSocketAddress("127.0.0.1", server.port()));
        try {
            Map<String, Object> values = spy.getBulk(keys);
            assertThat(values).hasSize(KEYS);
            for (int i = 0; i < KEYS; i++) {
                assertThat(values.get(keys.get(i))).isEqualTo("v" + i);
            }
        } finally {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }

    /** Proves: xmemcached's get(Collection) of 10,000 keys gets every value. */
    @Test
    void xmemcachedGetOfTenThousandKeys() throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(
                List.of(new InetSocketAddress("127.0.0.1", server.port())));
        builder.setOpTimeout(30_000);
        MemcachedClient xmc = builder.build();
        try {
            Map<String, String> values = xmc.get(keys);
            assertThat(values).hasSize(KEYS);
            for (int i = 0; i < KEYS; i++) {
                assertThat(values.get(keys.get(i))).isEqualTo("v" + i);
            }
        } finally {
            xmc.shutdown();
        }
    }

    /** Proves: one raw 128 KiB multiget line (memcached's t/getset.t shape) is answered in full and in order. */
    @Test
    void raw128KiBMultiGet() throws Exception {
        StringBuilder line = new StringBuilder("get");
        int n = 0;
        while (line.length() < 128 * 1024) {
            line.append(' ').append(keys.get(n++));
        }
        try (TextClient c = new TextClient(server.port())) {
            c.send(line + "\r\n");
            for (int i = 0; i < n; i++) {
                String value = "v" + i;
                assertThat(c.line()).isEqualTo("VALUE " + keys.get(i) + " 0 " + value.length());
                assertThat(c.line()).isEqualTo(value);
            }
            assertThat(c.line()).isEqualTo("END");
        }
    }

    /** Proves: a get line over the 4MB default is answered SERVER_ERROR and the connection serves the next request. */
    @Test
    void retrievalLineOverTheLimitIsRefusedAndTheConnectionGoesOn() throws Exception {
        String key = keys.get(0);
        StringBuilder line = new StringBuilder("gets");
        while (line.length() <= 4 * 1024 * 1024) {
            line.append(' ').append(key);
        }
        try (TextClient c = new TextClient(server.port())) {
            c.send(line + "\r\nget " + key + "\r\n");
            assertThat(c.line()).isEqualTo(
                    "SERVER_ERROR retrieval line longer than 4194304 bytes (spoolkv.server.max-retrieval-line)");
            assertThat(c.line()).isEqualTo("VALUE " + key + " 0 2");
            assertThat(c.line()).isEqualTo("v0");
            assertThat(c.line()).isEqualTo("END");
        }
    }
}
