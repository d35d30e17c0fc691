package io.spoolkv.it;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.*;
import static io.spoolkv.testsupport.BinaryPackets.arithmetic;
import static io.spoolkv.testsupport.BinaryPackets.ascii;
import static io.spoolkv.testsupport.BinaryPackets.empty;
import static io.spoolkv.testsupport.BinaryPackets.keyOnly;
import static io.spoolkv.testsupport.BinaryPackets.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.spoolkv.protocol.binary.BinaryCommandHandler;
import io.spoolkv.protocol.binary.BinaryRequestDecoder;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.BinaryPackets.Response;
import io.spoolkv.testsupport.MaxSampler;
import io.spoolkv.testsupport.TextClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The binary protocol over loopback, byte for byte: it shares the port and the store with the text protocol,
 * answers quiet requests as memcached does, refuses bad input with memcached's statuses (or closes), and keeps the
 * text protocol's output bound.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=256MB", "spoolkv.store.max-item-size=1MB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class BinaryProtocolIT {

    private static final int SUCCESS = 0;
    private static final int KEY_ENOENT = 1;
    private static final int KEY_EEXISTS = 2;
    private static final int E2BIG = 3;
    private static final int EINVAL = 4;
    private static final int NOT_STORED = 5;
    private static final int DELTA_BADVAL = 6;
    private static final int UNKNOWN_COMMAND = 0x81;
    private static final long WRITE_HIGH_WATER = 64 * 1024;

    @Autowired
    MemcachedServer server;
    @Autowired
    ConnectionRegistry registry;

    /** A blocking binary connection. */
    final class Conn implements AutoCloseable {
        final Socket socket = new Socket();
        final InputStream in;
        final OutputStream out;

        Conn() throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }

        Conn send(byte[]... packets) throws IOException {
            out.write(BinaryPackets.concat(packets));
            out.flush();
            return this;
        }

        Response read() throws IOException {
            Response r = BinaryPackets.read(in);
            assertThat(r.magic()).as("response magic").isEqualTo(0x81);
            return r;
        }

        /** True when the server closed the connection (after everything it answered was read). */
        boolean closed() throws IOException {
            return in.read() == -1;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void binaryAndTextShareThePortAndTheStore() throws Exception {
        try (Conn bin = new Conn(); TextClient text = new TextClient(server.port())) {
            Response set = bin.send(store(SET, 7, 0, "shared", ascii("from-binary"), 42, 0)).read();
            assertThat(set.status()).isEqualTo(SUCCESS);
            assertThat(set.opaque()).as("opaque echoed").isEqualTo(7);
            assertThat(set.cas()).isNotZero();
            text.send("get shared\r\n");
            assertThat(text.line()).isEqualTo("VALUE shared 42 11");
            assertThat(text.line()).isEqualTo("from-binary");
            assertThat(text.line()).isEqualTo("END");
            text.send("set fromtext 3 0 2\r\nhi\r\n");
            assertThat(text.line()).isEqualTo("STORED");
            Response get = bin.send(keyOnly(GETK, 9, "fromtext")).read();
            assertThat(get.status()).isEqualTo(SUCCESS);
            assertThat(get.flags()).isEqualTo(3);
            assertThat(get.keyText()).isEqualTo("fromtext");
            assertThat(get.valueText()).isEqualTo("hi");
        }
    }

    /** Quiet gets answer hits only, quiet mutations answer failures only, and NOOP's answer comes after all. */
    @Test
    void quietRequestsAnswerAsMemcachedAndNoopFollowsThem() throws Exception {
        try (Conn c = new Conn()) {
            c.send(store(SET, 1, 0, "q-hit", ascii("v"), 5, 0)).read();
            c.send(keyOnly(GETQ, 10, "q-missing"),
                    keyOnly(GETKQ, 11, "q-hit"),
                    store(SETQ, 12, 0, "q-new", ascii("n"), 0, 0),
                    store(ADDQ, 13, 0, "q-hit", ascii("x"), 0, 0),
                    keyOnly(DELETEQ, 14, "q-new"),
                    keyOnly(DELETEQ, 15, "q-never"),
                    empty(NOOP, 16));
            Response hit = c.read();
            assertThat(hit.opaque()).isEqualTo(11);
            assertThat(hit.keyText()).isEqualTo("q-hit");
            assertThat(hit.valueText()).isEqualTo("v");
            Response addFailed = c.read();
            assertThat(addFailed.opaque()).isEqualTo(13);
            assertThat(addFailed.status()).isEqualTo(KEY_EEXISTS);
            assertThat(addFailed.valueText()).isEqualTo("Data exists for key.");
            Response deleteMissed = c.read();
            assertThat(deleteMissed.opaque()).isEqualTo(15);
            assertThat(deleteMissed.status()).isEqualTo(KEY_ENOENT);
            Response noop = c.read();
            assertThat(noop.opaque()).isEqualTo(16);
            assertThat(noop.opcode()).isEqualTo(NOOP);
            assertThat(noop.status()).isEqualTo(SUCCESS);
        }
    }

    /** A non-zero CAS makes every mutation compare: set, append, delete, increment. */
    @Test
    void casIsCheckedOnEveryMutation() throws Exception {
        try (Conn c = new Conn()) {
            long cas = c.send(store(SET, 1, 0, "cas-k", ascii("1"), 0, 0)).read().cas();
            assertThat(c.send(store(SET, 2, cas + 1, "cas-k", ascii("2"), 0, 0)).read().status()).isEqualTo(KEY_EEXISTS);
            assertThat(c.send(BinaryPackets.request(APPEND, 3, cas + 1, new byte[0], ascii("cas-k"), ascii("0")))
                    .read().status()).isEqualTo(KEY_EEXISTS);
            assertThat(c.send(BinaryPackets.request(DELETE, 4, cas + 1, new byte[0], ascii("cas-k"), new byte[0]))
                    .read().status()).isEqualTo(KEY_EEXISTS);
            assertThat(c.send(arithmetic(INCREMENT, 5, cas + 1, "cas-k", 1, 0, 0)).read().status())
                    .isEqualTo(KEY_EEXISTS);
            assertThat(c.send(store(SET, 6, cas, "missing-cas", ascii("2"), 0, 0)).read().status())
                    .isEqualTo(KEY_ENOENT);
            Response incr = c.send(arithmetic(INCREMENT, 7, cas, "cas-k", 4, 0, 0)).read();
            assertThat(incr.status()).isEqualTo(SUCCESS);
            assertThat(incr.number()).isEqualTo(5);
            assertThat(incr.cas()).isNotEqualTo(cas);
            assertThat(c.send(store(ADD, 8, 0, "cas-k", ascii("x"), 0, 0)).read().status()).isEqualTo(KEY_EEXISTS);
            assertThat(c.send(store(REPLACE, 9, 0, "no-such", ascii("x"), 0, 0)).read().status()).isEqualTo(KEY_ENOENT);
            assertThat(c.send(BinaryPackets.request(PREPEND, 10, 0, new byte[0], ascii("no-such"), ascii("x")))
                    .read().status()).isEqualTo(NOT_STORED);
            // as memcached 1.6.18: a missing key is "not stored" for append/prepend even with a CAS
            assertThat(c.send(BinaryPackets.request(APPEND, 11, cas, new byte[0], ascii("no-such"), ascii("x")))
                    .read().status()).isEqualTo(NOT_STORED);
            assertThat(c.send(BinaryPackets.request(PREPEND, 12, cas, new byte[0], ascii("no-such"), ascii("x")))
                    .read().status()).isEqualTo(NOT_STORED);
        }
    }

    /** INCREMENT creates a missing key with its initial value, unless the expiry is 0xffffffff. */
    @Test
    void incrementCreatesWithTheInitialValueUnlessAskedToFail() throws Exception {
        try (Conn c = new Conn()) {
            assertThat(c.send(arithmetic(INCREMENT, 1, 0, "ctr", 5, 100, 0xffffffff)).read().status())
                    .isEqualTo(KEY_ENOENT);
            assertThat(c.send(arithmetic(INCREMENT, 2, 0, "ctr", 5, 100, 0)).read().number()).isEqualTo(100);
            assertThat(c.send(arithmetic(INCREMENT, 3, 0, "ctr", 5, 100, 0)).read().number()).isEqualTo(105);
            assertThat(c.send(arithmetic(DECREMENT, 4, 0, "ctr", 500, 0, 0)).read().number()).isZero();
            c.send(store(SET, 5, 0, "text", ascii("abc"), 0, 0)).read();
            Response bad = c.send(arithmetic(INCREMENT, 6, 0, "text", 1, 0, 0)).read();
            assertThat(bad.status()).isEqualTo(DELTA_BADVAL);
        }
    }

    @Test
    void touchAndGatSetANewExpiryAndAnswerFlags() throws Exception {
        try (Conn c = new Conn()) {
            c.send(store(SET, 1, 0, "t", ascii("tv"), 9, 0)).read();
            byte[] tenSeconds = ByteBuffer.allocate(4).putInt(10).array();
            Response touch = c.send(BinaryPackets.request(TOUCH, 2, 0, tenSeconds, ascii("t"), new byte[0])).read();
            assertThat(touch.status()).isEqualTo(SUCCESS);
            assertThat(touch.flags()).isEqualTo(9);
            assertThat(touch.value()).as("TOUCH answers no value").isEmpty();
            Response gat = c.send(BinaryPackets.request(GATK, 3, 0, tenSeconds, ascii("t"), new byte[0])).read();
            assertThat(gat.valueText()).isEqualTo("tv");
            assertThat(gat.keyText()).isEqualTo("t");
            Response miss = c.send(BinaryPackets.request(GAT, 4, 0, tenSeconds, ascii("none"), new byte[0])).read();
            assertThat(miss.status()).isEqualTo(KEY_ENOENT);
        }
    }

    /**
     * Every binary expiry is unsigned, as memcached reads it: 0xffffffff and 2^31 are absolute times far in the
     * future (SET, TOUCH, GAT), not negative "already expired" values.
     */
    @Test
    void expiriesAreReadUnsigned() throws Exception {
        try (Conn c = new Conn()) {
            assertThat(c.send(store(SET, 1, 0, "far", ascii("v"), 0, 0xffffffff)).read().status()).isEqualTo(SUCCESS);
            assertThat(c.send(keyOnly(GET, 2, "far")).read().status()).as("SET 0xffffffff").isEqualTo(SUCCESS);
            byte[] twoPow31 = ByteBuffer.allocate(4).putInt(0x80000000).array();
            assertThat(c.send(BinaryPackets.request(TOUCH, 3, 0, twoPow31, ascii("far"), new byte[0])).read().status())
                    .isEqualTo(SUCCESS);
            assertThat(c.send(keyOnly(GET, 4, "far")).read().status()).as("TOUCH 2^31").isEqualTo(SUCCESS);
            byte[] max = ByteBuffer.allocate(4).putInt(0xffffffff).array();
            assertThat(c.send(BinaryPackets.request(GAT, 5, 0, max, ascii("far"), new byte[0])).read().status())
                    .isEqualTo(SUCCESS);
            assertThat(c.send(keyOnly(GET, 6, "far")).read().status()).as("GAT 0xffffffff").isEqualTo(SUCCESS);
        }
    }

    /** An unknown opcode answers 0x81 and its body is skipped: the connection stays in step. */
    @Test
    void unknownOpcodesAnswerUnknownCommand() throws Exception {
        try (Conn c = new Conn()) {
            Response unknown = c.send(BinaryPackets.request(0x55, 21, 0, new byte[4], ascii("key"), ascii("body")),
                    empty(NOOP, 22)).read();
            assertThat(unknown.status()).isEqualTo(UNKNOWN_COMMAND);
            assertThat(unknown.opaque()).isEqualTo(21);
            assertThat(unknown.opcode()).isEqualTo(0x55);
            assertThat(c.read().opaque()).isEqualTo(22);
        }
    }

    /** Without authentication the SASL opcodes are unknown commands, as in memcached without -S; nothing logs in. */
    @Test
    void saslOpcodesAreUnknownWithoutAuthentication() throws Exception {
        try (Conn c = new Conn()) {
            c.send(empty(0x20, 31), BinaryPackets.request(0x21, 32, 0, new byte[0], ascii("PLAIN"),
                    ascii("\0alice\0secret")), BinaryPackets.request(0x22, 33, 0, new byte[0], ascii("PLAIN"), ascii("x")));
            for (int opaque = 31; opaque <= 33; opaque++) {
                Response r = c.read();
                assertThat(r.status()).isEqualTo(UNKNOWN_COMMAND);
                assertThat(r.opaque()).isEqualTo(opaque);
            }
        }
    }

    /** A value over the item limit is refused (E2BIG), the key's old value dropped, and the stream stays in step. */
    @Test
    void aValueOverTheItemLimitIsTooLargeAndSkipped() throws Exception {
        try (Conn c = new Conn()) {
            c.send(store(SET, 1, 0, "big-k", ascii("old"), 0, 0)).read();
            byte[] big = new byte[1024 * 1024 + 1];
            Response refused = c.send(store(SET, 2, 0, "big-k", big, 0, 0), keyOnly(GET, 3, "big-k")).read();
            assertThat(refused.status()).isEqualTo(E2BIG);
            assertThat(refused.valueText()).isEqualTo("Too large.");
            assertThat(c.read().status()).as("the old value is gone").isEqualTo(KEY_ENOENT);
        }
    }

    /** Lengths that do not fit the opcode, or a key over 250 bytes: "invalid arguments", then the close. */
    @Test
    void malformedHeadersAnswerInvalidArgumentsAndClose() throws Exception {
        try (Conn c = new Conn()) {
            Response r = c.send(BinaryPackets.request(GET, 5, 0, new byte[4], ascii("k"), new byte[0])).read();
            assertThat(r.status()).isEqualTo(EINVAL);
            assertThat(c.closed()).isTrue();
        }
        try (Conn c = new Conn()) {
            Response r = c.send(keyOnly(GET, 6, "x".repeat(251))).read();
            assertThat(r.status()).isEqualTo(EINVAL);
            assertThat(c.closed()).isTrue();
        }
        try (Conn c = new Conn()) {
            // an unknown opcode is no excuse: the key's length is checked first, as memcached does
            Response r = c.send(keyOnly(0x70, 7, "x".repeat(300)), empty(NOOP, 8)).read();
            assertThat(r.status()).isEqualTo(EINVAL);
            assertThat(c.closed()).isTrue();
        }
    }

    /** A packet without the request magic ends the connection without an answer; earlier ones are answered. */
    @Test
    void aWrongMagicByteCloses() throws Exception {
        try (Conn c = new Conn()) {
            c.send(empty(NOOP, 1), BinaryPackets.packet(0x81, NOOP, 2, 0, new byte[0], new byte[0], new byte[0]));
            assertThat(c.read().opaque()).isEqualTo(1);
            assertThat(c.closed()).isTrue();
        }
    }

    @Test
    void quitAnswersThenClosesAndQuietQuitJustCloses() throws Exception {
        try (Conn c = new Conn()) {
            Response quit = c.send(empty(QUIT, 3)).read();
            assertThat(quit.opcode()).isEqualTo(QUIT);
            assertThat(c.closed()).isTrue();
        }
        try (Conn c = new Conn()) {
            c.send(empty(QUITQ, 4));
            assertThat(c.closed()).isTrue();
        }
    }

    /** STAT answers one packet per stat and an empty one; the group key picks the block; an unknown one is "not found". */
    @Test
    void statTakesAGroupKey() throws Exception {
        try (Conn c = new Conn()) {
            Map<String, String> general = stats(c, "");
            assertThat(general).containsKeys("pid", "uptime", "cmd_get", "curr_connections");
            Map<String, String> settings = stats(c, "settings");
            assertThat(settings).containsKeys("maxconns", "item_size_max");
            Response unknown = c.send(keyOnly(STAT, 9, "no-such-group")).read();
            assertThat(unknown.status()).isEqualTo(KEY_ENOENT);
            // memcached 1.6.18's binary STAT knows no "conns" group, but knows the sizes switches
            assertThat(c.send(keyOnly(STAT, 11, "conns")).read().status()).as("conns").isEqualTo(KEY_ENOENT);
            assertThat(stats(c, "sizes_disable")).containsExactly(Map.entry("sizes_status", "disabled"));
            assertThat(stats(c, "sizes_enable")).containsEntry("sizes_status", "error");
            Response version = c.send(empty(VERSION, 10)).read();
            assertThat(version.valueText()).startsWith("1.6.18");
        }
    }

    /**
     * The counters memcached 1.6.18's binary protocol keeps (checked with stats on the real binary): GAT counts as a
     * touch only, a DELETE refused for its CAS counts nothing, a value too large counts no store_too_large (a SET
     * still drops the old value, an APPEND keeps it), and TOUCH and GAT count as gets in stats detail.
     */
    @Test
    void countersAsMemcachedsBinaryProtocolKeepsThem() throws Exception {
        try (Conn c = new Conn()) {
            long cas = c.send(store(SET, 1, 0, "cnt:k", ascii("v"), 0, 0)).read().cas();
            c.send(store(SET, 2, 0, "cnt:kept", ascii("v"), 0, 0)).read();
            assertThat(stats(c, "detail on")).isEmpty();
            Map<String, String> before = stats(c, "");
            byte[] hundred = ByteBuffer.allocate(4).putInt(100).array();
            assertThat(c.send(BinaryPackets.request(GAT, 3, 0, hundred, ascii("cnt:k"), new byte[0])).read().status())
                    .isEqualTo(SUCCESS);
            assertThat(c.send(BinaryPackets.request(GAT, 4, 0, hundred, ascii("cnt:none"), new byte[0])).read()
                    .status()).isEqualTo(KEY_ENOENT);
            assertThat(c.send(BinaryPackets.request(TOUCH, 5, 0, hundred, ascii("cnt:k"), new byte[0])).read()
                    .status()).isEqualTo(SUCCESS);
            assertThat(c.send(BinaryPackets.request(DELETE, 6, cas + 1, new byte[0], ascii("cnt:k"), new byte[0]))
                    .read().status()).isEqualTo(KEY_EEXISTS);
            byte[] big = new byte[1024 * 1024 + 1];
            assertThat(c.send(store(SET, 7, 0, "cnt:k", big, 0, 0)).read().status()).isEqualTo(E2BIG);
            assertThat(c.send(BinaryPackets.request(APPEND, 8, 0, new byte[0], ascii("cnt:kept"), big)).read()
                    .status()).isEqualTo(E2BIG);
            Map<String, String> after = stats(c, "");
            for (String unchanged : new String[] {"cmd_get", "get_hits", "get_misses", "delete_hits", "delete_misses",
                    "store_too_large"}) {
                assertThat(after.get(unchanged)).as(unchanged).isEqualTo(before.get(unchanged));
            }
            assertThat(delta(before, after, "cmd_touch")).isEqualTo(3);
            assertThat(delta(before, after, "touch_hits")).isEqualTo(2);
            assertThat(delta(before, after, "touch_misses")).isEqualTo(1);
            assertThat(c.send(keyOnly(GET, 9, "cnt:k")).read().status()).as("SET too large drops the old value")
                    .isEqualTo(KEY_ENOENT);
            assertThat(c.send(keyOnly(GET, 10, "cnt:kept")).read().valueText()).as("APPEND too large keeps it")
                    .isEqualTo("v");
            String dump = stats(c, "detail dump").get("detailed");
            assertThat(dump).contains("PREFIX cnt get 5 hit 3 ");
            stats(c, "detail off");
        }
    }

    private static long delta(Map<String, String> before, Map<String, String> after, String name) {
        return Long.parseLong(after.get(name)) - Long.parseLong(before.get(name));
    }

    private Map<String, String> stats(Conn c, String group) throws IOException {
        c.send(keyOnly(STAT, 8, group));
        Map<String, String> stats = new HashMap<>();
        for (Response r; (r = c.read()).key().length > 0; ) {
            assertThat(r.opaque()).isEqualTo(8);
            stats.put(r.keyText(), r.valueText());
        }
        return stats;
    }

    /**
     * The output bound: a client that pipelines thousands of GETs of a 100 KiB value and never reads costs the
     * server at most its write watermark plus one response; the responses that went out are whole.
     */
    @Test
    void aClientThatPipelinesGetsAndNeverReadsCostsAtMostTheBound() throws Exception {
        int big = 100 * 1024;
        byte[] value = new byte[big];
        Arrays.fill(value, (byte) 'b');
        try (Conn setup = new Conn()) {
            assertThat(setup.send(store(SET, 1, 0, "bin-big", value, 0, 0)).read().status()).isEqualTo(SUCCESS);
        }
        byte[] get = keyOnly(GET, 77, "bin-big");
        try (SocketChannel flood = SocketChannel.open()) {
            flood.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            flood.connect(new InetSocketAddress("127.0.0.1", server.port()));
            flood.configureBlocking(false);
            Channel serverSide = serverSideOf(((InetSocketAddress) flood.getLocalAddress()).getPort());
            int sent = 0;
            try (MaxSampler pending = new MaxSampler(() -> pendingOutbound(serverSide));
                 MaxSampler held = new MaxSampler(() -> heldRequests(serverSide))) {
                ByteBuffer out = ByteBuffer.allocate(get.length * 1000);
                long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                while (sent < 100_000 && System.nanoTime() < deadline) {
                    if (!out.hasRemaining() || out.position() == 0) {
                        out.clear();
                        for (int i = 0; i < 1000; i++) {
                            out.put(get);
                        }
                        out.flip();
                        sent += 1000;
                    }
                    if (flood.write(out) == 0) {
                        Thread.sleep(5);
                    }
                }
                assertThat(sent).as("thousands of GETs were pipelined").isGreaterThanOrEqualTo(2000);
                // meanwhile another binary client is served
                try (Conn other = new Conn()) {
                    for (int i = 0; i < 200; i++) {
                        assertThat(other.send(empty(NOOP, i)).read().opaque()).isEqualTo(i);
                    }
                }
                assertThat(pending.max()).isLessThanOrEqualTo(WRITE_HIGH_WATER + big + 64);
                // and what it sent stays bytes (at most a read or two) instead of piling up as requests
                System.out.println("BOUND sent=" + sent + " held=" + held.max() + " pending=" + pending.max());
                assertThat(held.max()).isLessThanOrEqualTo(256 * 1024);
            }
            flood.configureBlocking(true);
            InputStream in = new BufferedInputStream(flood.socket().getInputStream());
            for (int i = 0; i < 3; i++) {
                Response r = BinaryPackets.read(in);
                assertThat(r.opaque()).isEqualTo(77);
                assertThat(r.value()).hasSize(big);
            }
        }
    }

    private Channel serverSideOf(int clientLocalPort) {
        AtomicReference<Channel> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            for (Channel ch : registry.channels()) {
                if (ch.remoteAddress() instanceof InetSocketAddress a && a.getPort() == clientLocalPort) {
                    found.set(ch);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    /**
     * Requests the server holds for the connection: decoded ones waiting to run (counted as a GET's 31 bytes
     * each) plus bytes not decoded yet, read on the connection's event loop.
     */
    private static long heldRequests(Channel ch) {
        try {
            return ch.eventLoop().submit(() -> {
                BinaryCommandHandler handler = ch.pipeline().get(BinaryCommandHandler.class);
                BinaryRequestDecoder decoder = ch.pipeline().get(BinaryRequestDecoder.class);
                return (handler == null ? 0L : handler.waitingRequests() * 31L)
                        + (decoder == null ? 0L : decoder.bufferedBytes());
            }).get();
        } catch (Exception e) {
            return 0; // the connection closed
        }
    }

    private static long pendingOutbound(Channel ch) {
        var buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }
}
