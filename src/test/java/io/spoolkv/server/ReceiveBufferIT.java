package io.spoolkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.spoolkv.testsupport.TextClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The receive buffer of a connection fits a 1 KB set however many short get lines came before it (Netty's adaptive
 * guess, left alone, shrinks to 64 bytes after such a run, and the set then takes two or more reads).
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ReceiveBufferIT {

    private static final int VALUE = 1024;

    @Autowired
    MemcachedServer server;
    @Autowired
    ConnectionRegistry registry;

    /** Proves: after 200 gets, one at a time, the next read is still sized for a whole 1 KB set, which is stored. */
    @Test
    void afterARunOfGetsTheReceiveGuessStillTakesAWholeOneKilobyteSet() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            for (int i = 0; i < 200; i++) {
                client.send("get k" + i + "\r\n");
                assertThat(client.line()).isEqualTo("END");
            }
            Channel channel = channelOf(client);
            int guess = channel.eventLoop().submit(() -> channel.unsafe().recvBufAllocHandle().guess()).get();
            byte[] value = new byte[VALUE];
            Arrays.fill(value, (byte) 'v');
            String set = "set key:0000000001 0 0 " + VALUE + "\r\n" + new String(value, StandardCharsets.US_ASCII)
                    + "\r\n";
            assertThat(guess).as("the receive guess after a run of gets").isGreaterThanOrEqualTo(set.length());
            client.send(set);
            assertThat(client.line()).isEqualTo("STORED");
        }
    }

    /**
     * Proves: sizing the receive buffer kept Netty's reads per wake-up for a stream channel (its metadata's default,
     * 16); a bare allocator would have set 1, and a pipelining client would get a reply write per read.
     */
    @Test
    void theReceiveAllocatorKeepsNettysReadsPerWakeUp() throws Exception {
        try (TextClient client = new TextClient(server.port())) {
            client.send("version\r\n");
            assertThat(client.line()).startsWith("VERSION ");
            Channel channel = channelOf(client);
            int perRead = ((MaxMessagesRecvByteBufAllocator) channel.config().getRecvByteBufAllocator())
                    .maxMessagesPerRead();
            assertThat(perRead).isEqualTo(channel.metadata().defaultMaxMessagesPerRead()).isGreaterThan(1);
        }
    }

    private Channel channelOf(TextClient client) {
        int port = client.socket().getLocalPort();
        return registry.channels().stream()
                .filter(ch -> ((InetSocketAddress) ch.remoteAddress()).getPort() == port)
                .findFirst().orElseThrow();
    }
}
