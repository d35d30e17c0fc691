package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The real server over loopback, driven by spymemcached ({@code BinaryConnectionFactory}) and xmemcached
 * ({@code BinaryCommandFactory}) in binary mode: what a binary-protocol client does, it can do here.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class BinaryClientsIT {

    @Autowired
    MemcachedServer server;

    net.spy.memcached.MemcachedClient spy;
    MemcachedClient xmc;

    @BeforeEach
    void connect() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
        spy = new net.spy.memcached.MemcachedClient(new BinaryConnectionFactory(), List.of(address));
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
        builder.setCommandFactory(new BinaryCommandFactory());
        builder.setConnectTimeout(5000);
        builder.setOpTimeout(5000);
        xmc = builder.build();
        xmc.flushAll();
    }

    @AfterEach
    void close() throws Exception {
        spy.shutdown(5, TimeUnit.SECONDS);
        xmc.shutdown();
    }

    @Test
    void spymemcachedBinarySetGetDeleteAndMultiGet() throws Exception {
        assertThat(spy.set("alpha", 0, "one").get()).isTrue();
        assertThat(spy.set("beta", 60, "two").get()).isTrue();
        assertThat(spy.get("alpha")).isEqualTo("one");
        Map<String, Object> many = spy.getBulk("alpha", "beta", "missing");
        assertThat(many).containsOnly(Map.entry("alpha", "one"), Map.entry("beta", "two"));
        assertThat(spy.add("alpha", 0, "again").get()).isFalse();
        assertThat(spy.replace("gamma", 0, "x").get()).isFalse();
        assertThat(spy.append(0, "alpha", "+more").get()).isTrue();
        assertThat(spy.prepend(0, "alpha", "pre+").get()).isTrue();
        assertThat(spy.get("alpha")).isEqualTo("pre+one+more");
        assertThat(spy.delete("alpha").get()).isTrue();
        assertThat(spy.delete("alpha").get()).isFalse();
        assertThat(spy.get("alpha")).isNull();
    }

    @Test
    void spymemcachedBinaryCasIncrDecrTouchGat() throws Exception {
        // binary incr with a default creates the counter (initial value, then deltas)
        assertThat(spy.incr("counter", 5, 10)).isEqualTo(10);
        assertThat(spy.incr("counter", 5, 10)).isEqualTo(15);
        assertThat(spy.decr("counter", 20)).isZero();
        assertThat(spy.incr("nothing", 1)).isEqualTo(-1);

        spy.set("doc", 0, "v1").get();
        CASValue<Object> read = spy.gets("doc");
        assertThat(read.getValue()).isEqualTo("v1");
        assertThat(spy.cas("doc", read.getCas(), "v2")).isEqualTo(CASResponse.OK);
        assertThat(spy.cas("doc", read.getCas(), "v3")).isEqualTo(CASResponse.EXISTS);
        assertThat(spy.cas("gone", 1, "x")).isEqualTo(CASResponse.NOT_FOUND);
        assertThat(spy.get("doc")).isEqualTo("v2");

        assertThat(spy.touch("doc", 100).get()).isTrue();
        assertThat(spy.touch("absent", 100).get()).isFalse();
        CASValue<Object> touched = spy.getAndTouch("doc", 100);
        assertThat(touched.getValue()).isEqualTo("v2");
        assertThat(spy.getAndTouch("absent", 100)).isNull();
    }

    @Test
    void spymemcachedBinaryFlushStatsVersionAndLargeValues() throws Exception {
        byte[] big = new byte[512 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        assertThat(spy.set("big", 0, big).get()).isTrue();
        assertThat((byte[]) spy.get("big")).isEqualTo(big);
        assertThat(spy.flush().get()).isTrue();
        assertThat(spy.get("big")).isNull();
        Map<String, String> stats = spy.getStats().values().iterator().next();
        assertThat(stats).containsKeys("pid", "cmd_get", "cmd_flush");
        assertThat(spy.getStats("settings").values().iterator().next()).containsKey("item_size_max");
        assertThat(spy.getVersions().values().iterator().next()).startsWith("1.6.18");
    }

    @Test
    void xmemcachedBinaryOperations() throws Exception {
        assertThat(xmc.set("x1", 0, "hello")).isTrue();
        assertThat((String) xmc.get("x1")).isEqualTo("hello");
        assertThat(xmc.add("x1", 0, "nope")).isFalse();
        assertThat(xmc.replace("x1", 0, "world")).isTrue();
        assertThat((String) xmc.get("x1")).isEqualTo("world");

        GetsResponse<String> gets = xmc.gets("x1");
        assertThat(xmc.cas("x1", 0, "cas-ed", gets.getCas())).isTrue();
        assertThat(xmc.cas("x1", 0, "stale", gets.getCas())).isFalse();
        assertThat((String) xmc.get("x1")).isEqualTo("cas-ed");

        assertThat(xmc.incr("n", 1, 7)).isEqualTo(7);
        assertThat(xmc.incr("n", 3)).isEqualTo(10);
        assertThat(xmc.decr("n", 4)).isEqualTo(6);

        xmc.set("m1", 0, "a");
        xmc.set("m2", 0, "b");
        Map<String, String> multi = xmc.get(List.of("m1", "m2", "m3"));
        assertThat(multi).containsOnly(Map.entry("m1", "a"), Map.entry("m2", "b"));

        assertThat(xmc.touch("m1", 50)).isTrue();
        assertThat((String) xmc.getAndTouch("m1", 50)).isEqualTo("a");
        assertThat(xmc.delete("m1")).isTrue();
        assertThat((String) xmc.get("m1")).isNull();
        xmc.setWithNoReply("quiet", 0, "q");
        assertThat((String) xmc.get("quiet")).isEqualTo("q");
        xmc.flushAll();
        assertThat((String) xmc.get("m2")).isNull();
        assertThat(xmc.getVersions().values().iterator().next()).startsWith("1.6");
        Map<String, String> stats = xmc.getStats().values().iterator().next();
        assertThat(stats).containsKeys("pid", "uptime", "curr_connections", "cmd_get");
    }
}
