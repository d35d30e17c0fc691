package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * spoolkv.server.idle-timeout (memcached's idle_timeout): a connection that sends nothing is closed after the
 * timeout and counted; one that is watching is not, nor one that keeps sending.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.server.idle-timeout=400ms"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class IdleTimeoutIT {

    @Autowired
    MemcachedServer server;
    @Autowired
    ConnectionRegistry registry;

    @Test
    void anIdleConnectionIsClosedAfterTheTimeoutAndCounted() throws Exception {
        long kicksBefore = registry.idleKicks();
        try (TextClient idle = new TextClient(server.port());
             TextClient busy = new TextClient(server.port());
             TextClient watcher = new TextClient(server.port())) {
            idle.send("version\r\n");
            assertThat(idle.line()).startsWith("VERSION ");
            watcher.send("watch mutations\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            // The busy client sends something every 100 ms for 1.2 s: three timeouts' worth.
            for (int i = 0; i < 12; i++) {
                busy.send("set k 0 0 1\r\nx\r\n");
                assertThat(busy.line()).isEqualTo("STORED");
                Thread.sleep(100);
                if (i == 1) {
                    assertThat(registry.idleKicks() - kicksBefore).as("not closed before the timeout").isZero();
                }
            }
            assertThat(idle.closedByServer()).isTrue();
            busy.send("get k\r\n");
            assertThat(busy.line()).isEqualTo("VALUE k 0 1");
            // The watcher sent nothing for 1.2 s but is still served: it saw the busy client's sets.
            assertThat(watcher.line()).contains("key=k");
            assertThat(registry.idleKicks() - kicksBefore).isEqualTo(1);
        }
    }
}
