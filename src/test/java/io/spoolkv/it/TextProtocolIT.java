package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** Protocol behaviour over a real loopback socket, where client libraries cannot reach. */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-item-size=1KB", "spoolkv.store.slab-chunk-max=1KB"}, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TextProtocolIT {

    @Autowired
    MemcachedServer server;

    @BeforeEach
    void flush() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("flush_all\r\n");
            assertThat(c.line()).isEqualTo("OK");
        }
    }

    @Test
    void getAndTouchCommands() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set k 3 0 2\r\nhi\r\ngat 100 k missing\r\ngats 100 k\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE k 3 2");
            assertThat(c.line()).isEqualTo("hi");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).matches("VALUE k 3 2 \\d+");
            assertThat(c.line()).isEqualTo("hi");
            assertThat(c.line()).isEqualTo("END");
            c.send("mg k t\r\n");
            assertThat(c.line()).matches("HD t(99|100)");
        }
    }

    @Test
    void tooLargeValueIsRefusedAndItsDataSwallowed() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            String big = "x".repeat(2000);
            c.send("set big 0 0 2000\r\n" + big + "\r\nset small 0 0 1\r\ny\r\nget big small\r\n");
            assertThat(c.line()).isEqualTo("SERVER_ERROR object too large for cache");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE small 0 1");
            assertThat(c.line()).isEqualTo("y");
            assertThat(c.line()).isEqualTo("END");
        }
    }

    @Test
    void badDataChunkKeepsTheConnection() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set k 0 0 2\r\nabcd\r\nversion\r\n");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad data chunk");
            // memcached reads exactly length+2 bytes; "cd" is then read as a command line.
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).startsWith("VERSION ");
        }
    }

    @Test
    void overlongLineIsAnsweredThenClosed() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set " + "k".repeat(3000));
            assertThat(c.line()).isEqualTo("CLIENT_ERROR line too long");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void errorsKeepTheConnectionUsable() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("nonsense\r\nget " + "k".repeat(251) + "\r\nincr a b\r\nset k 0 0 1\r\n1\r\nincr k 1\r\n");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR bad command line format");
            assertThat(c.line()).isEqualTo("CLIENT_ERROR invalid numeric delta argument");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("2");
        }
    }

    @Test
    void metadumpListsLiveItemsInKeyOrderAndPipelinedRequestsWaitForEnd() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set b 1 0 1\r\n1\r\nset a 2 0 1\r\n2\r\nset c 3 -1 1\r\n3\r\nset d%x 4 0 1\r\n4\r\n");
            for (int i = 0; i < 4; i++) {
                assertThat(c.line()).isEqualTo("STORED");
            }
            // One packet: the dump, then a get that must be answered after END.
            c.send("lru_crawler metadump all\r\nget a\r\n");
            List<String> lines = new ArrayList<>();
            for (String line = c.line(); !line.equals("END"); line = c.line()) {
                lines.add(line);
            }
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).matches("key=a exp=-1 la=\\d+ cas=\\d+ fetch=no cls=1 size=\\d+ flags=2");
            assertThat(lines.get(1)).startsWith("key=b ");
            assertThat(lines.get(2)).startsWith("key=d%25x ").endsWith(" flags=4");
            assertThat(c.line()).isEqualTo("VALUE a 2 1");
            assertThat(c.line()).isEqualTo("2");
            assertThat(c.line()).isEqualTo("END");

            c.send("lru_crawler mgdump hash\r\nlru_crawler metadump 2\r\nlru_crawler metadump 99\r\n");
            assertThat(c.line()).isEqualTo("mg a");
            assertThat(c.line()).isEqualTo("mg b");
            assertThat(c.line()).isEqualTo("mg d%x");
            assertThat(c.line()).isEqualTo("EN");
            assertThat(c.line()).isEqualTo("END");
            assertThat(c.line()).isEqualTo("BADCLASS invalid class id");
        }
    }

    @Test
    void mgdumpEncodesBinaryKeysInBase64() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            // "AAE=" is base64 for the bytes 0x00 0x01.
            c.send("ms AAE= 1 b\r\nz\r\nlru_crawler mgdump all\r\n");
            // memcached 1.6.18 echoes b only after a k flag's key
            assertThat(c.line()).isEqualTo("HD");
            assertThat(c.line()).isEqualTo("mg AAE= b");
            assertThat(c.line()).isEqualTo("EN");
        }
    }

    @Test
    void watchStreamsFetchesAndMutationsFromOtherConnections() throws Exception {
        try (TextClient watcher = new TextClient(server.port()); TextClient c = new TextClient(server.port())) {
            watcher.send("watch fetchers mutations\r\n");
            assertThat(watcher.line()).isEqualTo("OK");
            c.send("set w 0 0 2\r\nab\r\nget w\r\nget nope\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            // memcached logs the lookup the set makes before it stores
            assertThat(watcher.line()).matches("ts=\\S+ gid=\\d+ type=item_get key=w status=not_found clsid=0 cfd=\\d+ size=0");
            String store = watcher.line();
            assertThat(store).matches("ts=\\d+\\.\\d+ gid=\\d+ type=item_store key=w status=stored cmd=set ttl=0 clsid=1 cfd=\\d+ size=2");
            assertThat(watcher.line()).matches("ts=\\S+ gid=\\d+ type=item_get key=w status=found clsid=1 cfd=\\d+ size=2");
            assertThat(watcher.line()).matches("ts=\\S+ gid=\\d+ type=item_get key=nope status=not_found clsid=0 cfd=\\d+ size=0");
        }
    }

    @Test
    void watchRefusesUnknownStreams() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("watch nosuchstream\r\nversion\r\n");
            assertThat(c.line()).isEqualTo("ERROR");
            assertThat(c.line()).startsWith("VERSION");
        }
    }
}
