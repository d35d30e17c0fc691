package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * watch connevents close reasons that need a server with an idle timeout: a connection closed for
 * idling is "idle_timeout", one whose client shut its side down is "normal" (memcached's names).
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.idle-timeout=1s"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ConnectionEventReasonsIT {

    @Autowired
    MemcachedServer server;

    @Test
    void idleAndHalfCloseReasons() throws Exception {
        try (TextClient watcher = new TextClient(server.port())) {
            watcher.send("watch connevents\r\n");
            assertThat(watcher.line()).isEqualTo("OK");

            int idlePort;
            try (TextClient idle = new TextClient(server.port())) {
                idlePort = idle.socket().getLocalPort();
                assertThat(idle.closedByServer()).as("closed for idling").isTrue();
            }
            assertThat(closeFor(watcher, idlePort)).contains(" reason=idle_timeout ");

            int halfPort;
            try (TextClient half = new TextClient(server.port())) {
                halfPort = half.socket().getLocalPort();
                half.send("version\r\n");
                half.socket().shutdownOutput();
                assertThat(half.line()).startsWith("VERSION ");
                assertThat(half.closedByServer()).isTrue();
            }
            assertThat(closeFor(watcher, halfPort)).contains(" reason=normal ");
        }
    }

    /** The conn_close line of the client on {@code port}. */
    private static String closeFor(TextClient watcher, int port) throws Exception {
        String line;
        do {
            line = watcher.line();
        } while (!(line.contains("type=conn_close") && line.contains(" rport=" + port + " ")));
        return line;
    }
}
