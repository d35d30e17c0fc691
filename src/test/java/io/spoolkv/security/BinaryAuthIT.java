package io.spoolkv.security;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.BinaryPackets.Response;
import io.spoolkv.testsupport.TextClient;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.auth.AuthInfo;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SASL PLAIN over the binary protocol, as memcached 1.6 answers it, over a raw socket and with spymemcached's
 * and xmemcached's SASL support: before a login every request but VERSION (range scans included) is refused with
 * "auth error" and runs nothing, the connection stays open; wrong passwords and malformed PLAIN data are refused, counted (auth_cmds,
 * auth_errors, spoolkv_auth_failures_total) and logged without the password; after a login everything works.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1", "spoolkv.auth.enabled=true"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@ExtendWith(OutputCaptureExtension.class)
class BinaryAuthIT {

    private static final int SUCCESS = 0x00;
    private static final int KEY_ENOENT = 0x01;
    private static final int EINVAL = 0x04;
    private static final int AUTH_ERROR = 0x20;
    private static final int AUTH_CONTINUE = 0x21;

    @DynamicPropertySource
    static void credentials(DynamicPropertyRegistry registry) throws IOException {
        Path file = Files.createTempFile("spoolkv-auth", ".txt");
        Files.writeString(file, "alice:secret\nbob:pa:ss\n");
        registry.add("spoolkv.auth.credentials-file", file::toString);
    }

    @Autowired
    MemcachedServer server;
    @Autowired
    Authenticator authenticator;
    @Autowired
    MeterRegistry meters;

    @Test
    void listMechsAnswersPlainBeforeLoginAndStatsSettingsSaySaslIsOn() throws Exception {
        try (Conn c = new Conn()) {
            Response r = c.call(BinaryPackets.empty(SASL_LIST_MECHS, 7));
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(r.opaque()).isEqualTo(7);
            assertThat(r.valueText()).isEqualTo("PLAIN");
            login(c, "alice", "secret");
            assertThat(stats(c, "settings").get("auth_enabled_sasl")).isEqualTo("yes");
        }
    }

    @Test
    void beforeLoginEveryOpcodeButVersionIsRefusedRunsNothingAndTheConnectionStaysOpen() throws Exception {
        try (Conn c = new Conn()) {
            login(c, "alice", "secret");
            assertThat(c.call(BinaryPackets.store(SET, 1, 0, "guarded", BinaryPackets.ascii("old"), 0, 0)).status())
                    .isEqualTo(SUCCESS);
        }
        byte[] tooLarge = new byte[2 * 1024 * 1024];
        List<byte[]> refused = List.of(
                BinaryPackets.keyOnly(GET, 1, "guarded"),
                BinaryPackets.keyOnly(GETQ, 2, "guarded"),
                BinaryPackets.store(SET, 3, 0, "guarded", BinaryPackets.ascii("new"), 0, 0),
                BinaryPackets.store(SETQ, 4, 0, "guarded", BinaryPackets.ascii("new"), 0, 0),
                BinaryPackets.store(SET, 5, 0, "guarded", tooLarge, 0, 0),
                BinaryPackets.keyOnly(DELETE, 6, "guarded"),
                BinaryPackets.arithmetic(INCREMENT, 7, 0, "n", 1, 0, 0),
                BinaryPackets.empty(FLUSH, 8),
                BinaryPackets.empty(STAT, 9),
                BinaryPackets.empty(NOOP, 10),
                BinaryPackets.empty(0x3f, 11), // an unknown opcode
                // range scans run outside the executor: the gate must refuse them too
                BinaryPackets.request(0xda, 14, 0, new byte[0], new byte[0],
                        BinaryPackets.ascii("{\"range\":{\"start\":\"YQ==\",\"end\":\"eg==\"}}")),
                BinaryPackets.request(0xdb, 15, 0, new byte[28], new byte[0], new byte[0]),
                BinaryPackets.request(0xdc, 16, 0, new byte[16], new byte[0], new byte[0]));
        try (Conn c = new Conn()) {
            for (byte[] request : refused) {
                Response r = c.call(request);
                assertThat(r.status()).as("opcode 0x%02x", request[1]).isEqualTo(AUTH_ERROR);
                assertThat(r.opcode()).isEqualTo(request[1] & 0xff);
                assertThat(r.valueText()).isEqualTo("Auth failure.");
            }
            Response version = c.call(BinaryPackets.empty(VERSION, 12));
            assertThat(version.status()).as("memcached answers VERSION before a login").isEqualTo(SUCCESS);
            login(c, "alice", "secret");
            Response get = c.call(BinaryPackets.keyOnly(GET, 13, "guarded"));
            assertThat(get.status()).isEqualTo(SUCCESS);
            assertThat(get.valueText()).as("no refused write ran, not even the too-large SET's unlink").isEqualTo("old");
        }
    }

    @Test
    void quitBeforeLoginIsRefusedAndStillCloses() throws Exception {
        try (Conn c = new Conn()) {
            assertThat(c.call(BinaryPackets.empty(QUIT, 1)).status()).isEqualTo(AUTH_ERROR);
            assertThatThrownBy(c::read).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefusedCountedAndLoggedWithoutThePassword(CapturedOutput output)
            throws Exception {
        long failures = authenticator.failures();
        Map<String, Long> before;
        try (Conn c = new Conn()) {
            try (Conn admin = new Conn()) {
                login(admin, "alice", "secret");
                before = longs(stats(admin, ""));
            }
            assertThat(c.call(auth(1, "PLAIN", plain("", "alice", "wrongpass1"))).status()).isEqualTo(AUTH_ERROR);
            assertThat(c.call(auth(2, "PLAIN", plain("", "mallory", "secret"))).status()).isEqualTo(AUTH_ERROR);
            Response refused = c.call(BinaryPackets.keyOnly(GET, 3, "k"));
            assertThat(refused.status()).as("a failed login logs nobody in").isEqualTo(AUTH_ERROR);
            login(c, "alice", "secret");
            Map<String, Long> after = longs(stats(c, ""));
            assertThat(after.get("auth_cmds") - before.get("auth_cmds")).isEqualTo(3);
            assertThat(after.get("auth_errors") - before.get("auth_errors")).isEqualTo(2);
        }
        assertThat(authenticator.failures() - failures).isEqualTo(2);
        assertThat(meters.get("spoolkv.auth.failures").functionCounter().count()).isEqualTo(authenticator.failures());
        assertThat(output.getAll()).contains("authentication failure for user 'alice'")
                .contains("authentication failure for user 'mallory'").doesNotContain("wrongpass1");
    }

    @Test
    void badPlainPayloadsAndMechanismsAreAuthErrorsAndCounted() throws Exception {
        long failures = authenticator.failures();
        try (Conn c = new Conn()) {
            List<byte[]> bad = List.of(
                    auth(1, "PLAIN", BinaryPackets.ascii("alice secret")),                // no NUL at all
                    auth(2, "PLAIN", BinaryPackets.ascii("alice\0secret")),               // one NUL
                    auth(3, "PLAIN", BinaryPackets.ascii("\0alice\0secret\0")),           // a third NUL
                    auth(4, "PLAIN", plain("bob", "alice", "secret")),                    // another authzid
                    auth(5, "CRAM-MD5", plain("", "alice", "secret")),                    // unknown mechanism
                    BinaryPackets.request(SASL_STEP, 6, 0, new byte[0], BinaryPackets.ascii("PLAIN"),
                            plain("", "alice", "secret")));                               // a step with no exchange
            for (byte[] request : bad) {
                Response r = c.call(request);
                assertThat(r.status()).as("request %d", r.opaque()).isEqualTo(AUTH_ERROR);
                assertThat(r.valueText()).isEqualTo("Auth failure.");
            }
            assertThat(c.call(BinaryPackets.keyOnly(GET, 7, "k")).status()).isEqualTo(AUTH_ERROR);
            Response longMechanism = c.call(auth(8, "X".repeat(33), plain("", "alice", "secret")));
            assertThat(longMechanism.status()).as("memcached's MAX_SASL_MECH_LEN is 32").isEqualTo(EINVAL);
            login(c, "alice", "secret");
        }
        assertThat(authenticator.failures() - failures).isEqualTo(6);
    }

    @Test
    void authWithAnAuthzidEqualToTheUserAndAPasswordWithAColonSucceeds() throws Exception {
        try (Conn c = new Conn()) {
            Response r = c.call(auth(1, "PLAIN", plain("bob", "bob", "pa:ss")));
            assertThat(r.status()).isEqualTo(SUCCESS);
            assertThat(r.valueText()).isEqualTo("Authenticated");
        }
    }

    @Test
    void plainWithoutInitialDataContinuesAndTheStepCarriesIt() throws Exception {
        try (Conn c = new Conn()) {
            Response start = c.call(auth(1, "PLAIN", new byte[0]));
            assertThat(start.status()).isEqualTo(AUTH_CONTINUE);
            assertThat(start.value()).isEmpty();
            Response step = c.call(BinaryPackets.request(SASL_STEP, 2, 0, new byte[0], BinaryPackets.ascii("PLAIN"),
                    plain("", "alice", "secret")));
            assertThat(step.status()).isEqualTo(SUCCESS);
            assertThat(step.valueText()).isEqualTo("Authenticated");
            Response again = c.call(BinaryPackets.request(SASL_STEP, 3, 0, new byte[0],
                    BinaryPackets.ascii("PLAIN"), plain("", "alice", "secret")));
            assertThat(again.status()).as("the exchange is over").isEqualTo(AUTH_ERROR);
            assertThat(c.call(BinaryPackets.keyOnly(GET, 4, "absent")).status())
                    .as("a refused step after a login logs the client out, as memcached resets its SASL state")
                    .isEqualTo(AUTH_ERROR);
            assertThat(c.call(auth(5, "PLAIN", plain("", "alice", "secret"))).status()).isEqualTo(SUCCESS);
            assertThat(c.call(BinaryPackets.keyOnly(GET, 6, "absent")).status()).as("logged in again")
                    .isEqualTo(KEY_ENOENT);
        }
    }

    @Test
    void afterLoginPipelinedCommandsAreServedInOrder() throws Exception {
        try (Conn c = new Conn()) {
            c.out.write(BinaryPackets.concat(
                    auth(1, "PLAIN", plain("", "alice", "secret")),
                    BinaryPackets.store(SETQ, 2, 0, "piped", BinaryPackets.ascii("v"), 5, 0),
                    BinaryPackets.keyOnly(GETK, 3, "piped"),
                    BinaryPackets.arithmetic(INCREMENT, 4, 0, "counter", 2, 40, 0),
                    BinaryPackets.empty(NOOP, 5)));
            assertThat(c.read().status()).isEqualTo(SUCCESS);
            Response get = c.read();
            assertThat(get.opaque()).as("the quiet SET answered nothing").isEqualTo(3);
            assertThat(get.keyText()).isEqualTo("piped");
            assertThat(get.valueText()).isEqualTo("v");
            assertThat(get.flags()).isEqualTo(5);
            assertThat(c.read().number()).isEqualTo(40);
            assertThat(c.read().opaque()).isEqualTo(5);
        }
        try (TextClient text = new TextClient(server.port())) {
            text.send("set auth 0 0 12\r\nalice secret\r\nget piped\r\n");
            assertThat(text.line()).isEqualTo("STORED");
            assertThat(text.line()).as("the binary SET stored for everyone").isEqualTo("VALUE piped 5 1");
        }
    }

    @Test
    void spymemcachedAuthenticatesWithSaslPlain() throws Exception {
        net.spy.memcached.MemcachedClient spy = new net.spy.memcached.MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                .setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"},
                        new PlainCallbackHandler("alice", "secret")))
                .setOpTimeout(5000)
                .build(), List.of(new InetSocketAddress("127.0.0.1", server.port())));
        try {
            assertThat(spy.set("spy-sasl", 0, "value").get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(spy.get("spy-sasl")).isEqualTo("value");
            assertThat(spy.incr("spy-counter", 3, 7)).isEqualTo(7);
            assertThat(spy.delete("spy-sasl").get(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void xmemcachedAuthenticatesWithSaslPlain() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
        builder.setCommandFactory(new BinaryCommandFactory());
        // xmemcached looks the credentials up by the session's host name, which it reverse-resolves ("localhost")
        builder.addAuthInfo(address, AuthInfo.plain("bob", "pa:ss"));
        builder.addAuthInfo(InetSocketAddress.createUnresolved(address.getAddress().getHostName(), address.getPort()),
                AuthInfo.plain("bob", "pa:ss"));
        builder.setConnectTimeout(5000);
        builder.setOpTimeout(5000);
        MemcachedClient xmc = builder.build();
        try {
            assertThat(xmc.set("xmc-sasl", 0, "value")).isTrue();
            assertThat((String) xmc.get("xmc-sasl")).isEqualTo("value");
            assertThat(xmc.add("xmc-sasl", 0, "again")).isFalse();
            assertThat(xmc.delete("xmc-sasl")).isTrue();
        } finally {
            xmc.shutdown();
        }
    }

    /** A successful PLAIN login on {@code c}. */
    private static void login(Conn c, String user, String password) throws IOException {
        Response r = c.call(auth(99, "PLAIN", plain("", user, password)));
        assertThat(r.status()).isEqualTo(SUCCESS);
        assertThat(r.valueText()).isEqualTo("Authenticated");
    }

    private static byte[] auth(int opaque, String mechanism, byte[] data) {
        return BinaryPackets.request(SASL_AUTH, opaque, 0, new byte[0], BinaryPackets.ascii(mechanism), data);
    }

    private static byte[] plain(String authzid, String user, String password) {
        return (authzid + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    /** A binary STAT of {@code group} ("" for the general block) on a logged-in connection. */
    private static Map<String, String> stats(Conn c, String group) throws IOException {
        c.out.write(BinaryPackets.request(STAT, 50, 0, new byte[0], BinaryPackets.ascii(group), new byte[0]));
        Map<String, String> stats = new java.util.HashMap<>();
        for (Response r = c.read(); r.key().length > 0; r = c.read()) {
            stats.put(r.keyText(), r.valueText());
        }
        return stats;
    }

    private static Map<String, Long> longs(Map<String, String> stats) {
        return Map.of("auth_cmds", Long.parseLong(stats.get("auth_cmds")),
                "auth_errors", Long.parseLong(stats.get("auth_errors")));
    }

    /** A raw binary connection. */
    private final class Conn implements AutoCloseable {
        final Socket socket = new Socket();
        final OutputStream out;
        final InputStream in;

        Conn() throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        Response call(byte[] request) throws IOException {
            out.write(request);
            return read();
        }

        Response read() throws IOException {
            return BinaryPackets.read(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
