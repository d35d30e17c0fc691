package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.ServerSide;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * memcached's text login (-Y) over raw sockets and with real clients: before login every command is refused
 * with memcached's error and the connection stays open; a login is a set whose data is "user password";
 * failures are answered, counted and logged without the password; what follows a login in the same packet
 * is served.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1", "spoolkv.auth.enabled=true",
        "spoolkv.spool.stuck-timeout=3s"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@ExtendWith(OutputCaptureExtension.class)
class TextAuthIT {

    private static final String LOGIN = "set auth 0 0 12\r\nalice secret\r\n";
    private static final String UNAUTHENTICATED = "CLIENT_ERROR unauthenticated";

    @DynamicPropertySource
    static void credentials(DynamicPropertyRegistry registry) throws IOException {
        Path file = Files.createTempFile("spoolkv-auth", ".txt");
        Files.writeString(file, "alice:secret\nbob:pa:ss\r\n");
        registry.add("spoolkv.auth.credentials-file", file::toString);
    }

    @Autowired
    MemcachedServer server;
    @Autowired
    Authenticator authenticator;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ConnectionRegistry registry;

    @Test
    void beforeLoginEveryCommandIsRefusedAndTheConnectionStaysOpen() throws Exception {
        List<String> commands = List.of("get k", "version", "stats", "stats settings", "watch mutations",
                "lru_crawler metadump all", "mg k v", "mn", "flush_all", "delete k", "quit", "set k 0 0",
                "add k 0 0 1", "bogus");
        try (TextClient c = new TextClient(server.port())) {
            for (String command : commands) {
                c.send(command + "\r\n");
                assertThat(c.line()).as(command).isEqualTo(UNAUTHENTICATED);
            }
            c.send(LOGIN + "version\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).startsWith("VERSION ");
        }
    }

    @Test
    void wrongPasswordAndUnknownUserFailAreCountedAndLoggedWithoutThePassword(CapturedOutput output) throws Exception {
        long before = authenticator.failures();
        try (TextClient c = new TextClient(server.port())) {
            c.send("set auth 0 0 16\r\nalice wrongpass1\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR authentication failure");
            c.send("set auth 0 0 14\r\nmallory secret\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR authentication failure");
            c.send("get k\r\n");
            assertThat(c.line()).as("a failed login logs nobody in").isEqualTo(UNAUTHENTICATED);
            c.send(LOGIN);
            assertThat(c.line()).as("a client may try again after a failure").isEqualTo("STORED");
        }
        assertThat(authenticator.failures() - before).isEqualTo(2);
        assertThat(meters.get("spoolkv.auth.failures").functionCounter().count()).isEqualTo(authenticator.failures());
        assertThat(output.getAll()).contains("authentication failure for user 'alice'")
                .contains("authentication failure for user 'mallory'").doesNotContain("wrongpass1");
    }

    /**
     * Proves: auth_cmds counts every login whose user and password were checked and auth_errors the refused ones,
     * as memcached's text login does (a malformed login is neither), and stats settings names the credentials
     * file in auth_enabled_ascii.
     */
    @Test
    void authStatsCountCheckedLoginsAsMemcached() throws Exception {
        try (TextClient admin = new TextClient(server.port()); TextClient c = new TextClient(server.port())) {
            admin.send(LOGIN);
            assertThat(admin.line()).isEqualTo("STORED");
            Map<String, String> before = admin.stats(null);
            c.send("set auth 0 0 5\r\nalice\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad authentication token format");
            c.send("set auth 0 0 11\r\nalice wrong\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR authentication failure");
            c.send(LOGIN);
            assertThat(c.line()).isEqualTo("STORED");
            Map<String, String> after = admin.stats(null);
            assertThat(delta(before, after, "auth_cmds")).isEqualTo(2);
            assertThat(delta(before, after, "auth_errors")).isEqualTo(1);
            assertThat(admin.stats("settings").get("auth_enabled_ascii")).isEqualTo(authenticator.credentialsFile())
                    .endsWith(".txt");
        }
    }

    private static long delta(Map<String, String> before, Map<String, String> after, String name) {
        return Long.parseLong(after.get(name)) - Long.parseLong(before.get(name));
    }

    @Test
    void requestsPipelinedAfterTheLoginAreServedAndTheLoginStoresNothing() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send(LOGIN + "set k 0 0 1\r\nx\r\nget k auth\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE k 0 1");
            assertThat(c.line()).isEqualTo("x");
            assertThat(c.line()).as("the login's key was not stored").isEqualTo("END");
        }
    }

    @Test
    void aPasswordMayContainAColonAndExtraTokensAreIgnored() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set x 1 2 9 noreply\r\nbob pa:ss\r\nversion\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).startsWith("VERSION ");
        }
    }

    @Test
    void malformedLoginsGetMemcachedsErrorsAndTheConnectionGoesOn() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set a 0 0 5\r\nalice\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad authentication token format");
            c.send("set a 0 0 3\r\nabcXY");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line termination");
            c.send("set a 0 0 -1\r\n");
            assertThat(c.line()).isEqualTo(UNAUTHENTICATED);
            c.send(LOGIN);
            assertThat(c.line()).isEqualTo("STORED");
        }
    }

    @Test
    void aLongLineWithoutNewlineOrAnOversizedLoginBlockClosesTheConnection() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("x".repeat(3000));
            assertThat(c.closedByServer()).isTrue();
        }
        try (TextClient c = new TextClient(server.port())) {
            c.send("set a 0 0 100000\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR authentication failure");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    /**
     * Proves (issue 12): the close of a refused oversized login has a deadline (spoolkv.spool.stuck-timeout, 3 s
     * here). The client never reads: its socket is filled with answers first, so the refusal can never be
     * flushed, and without the deadline the connection would stay open for ever.
     */
    @Test
    void anOversizedLoginToAClientThatNeverReadsIsClosedAfterTheStuckTimeout() throws Exception {
        try (TextClient c = new TextClient(server.port(), 4 * 1024)) {
            Channel ch = serverSideOf(c.socket().getLocalPort());
            // 1,000 junk lines are answered with 30,000 bytes, below the write high watermark (64 KiB): once the
            // socket is full the channel holds less than that and stays writable, so the login line below is read
            // and refused.
            String round = "x\r\n".repeat(1000);
            long stuck = 0;
            for (int i = 0; i < 2_000 && stuck == 0; i++) {
                c.send(round);
                Thread.sleep(20);
                long pending = pendingOutbound(ch);
                if (pending > 0) {
                    Thread.sleep(300); // a flush in progress empties in that time; a full socket does not
                    stuck = pendingOutbound(ch) == pending ? pending : 0;
                }
            }
            assertThat(stuck).as("the socket takes no more answers").isPositive();
            assertThat(ch.isWritable()).isTrue();
            c.send("set a 0 0 100000\r\n");
            Thread.sleep(500);
            assertThat(ch.isActive()).as("the close waits for the answers first").isTrue();
            assertThat(ch.closeFuture().await(15, TimeUnit.SECONDS)).as("closed by the deadline").isTrue();
        }
    }

    /** The server side of a client's connection. */
    private Channel serverSideOf(int clientLocalPort) {
        return ServerSide.of(registry, clientLocalPort);
    }

    private static long pendingOutbound(Channel ch) {
        return ServerSide.pendingOutbound(ch);
    }

    @Test
    void aClientThatHalfClosesBeforeLoginGetsItsAnswerThenTheClose() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("get k\r\n");
            c.socket().shutdownOutput();
            assertThat(c.line()).isEqualTo(UNAUTHENTICATED);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void spymemcachedLogsInWithTheSetTrick() throws Exception {
        net.spy.memcached.MemcachedClient spy = new net.spy.memcached.MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
                .setFailureMode(FailureMode.Cancel)
                .setOpTimeout(5000)
                .build(), List.of(new InetSocketAddress("127.0.0.1", server.port())));
        try {
            // FailureMode.Cancel cancels what is sent before the connection is up: wait for it.
            await().atMost(Duration.ofSeconds(10)).until(() -> !spy.getAvailableServers().isEmpty());
            assertThat(spy.set("auth", 0, "alice secret").get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(spy.set("spy", 0, "value").get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(spy.get("spy")).isEqualTo("value");
        } finally {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void xmemcachedLogsInWithTheSetTrick() throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(
                List.of(new InetSocketAddress("127.0.0.1", server.port())));
        builder.setConnectTimeout(5000);
        builder.setOpTimeout(5000);
        MemcachedClient xmc = builder.build();
        try {
            assertThat(xmc.set("auth", 0, "bob pa:ss")).isTrue();
            assertThat(xmc.set("xmc", 0, "value")).isTrue();
            assertThat((String) xmc.get("xmc")).isEqualTo("value");
        } finally {
            xmc.shutdown();
        }
    }
}
