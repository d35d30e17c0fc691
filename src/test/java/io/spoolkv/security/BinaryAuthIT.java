package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With authentication on, the binary protocol (whose clients authenticate with SASL, which spoolkv does not
 * speak) is never served: a binary connection is closed without an answer, while text clients still log in.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1", "spoolkv.auth.enabled=true"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class BinaryAuthIT {

    @DynamicPropertySource
    static void credentials(DynamicPropertyRegistry registry) throws IOException {
        Path file = Files.createTempFile("spoolkv-auth", ".txt");
        Files.writeString(file, "alice:secret\n");
        registry.add("spoolkv.auth.credentials-file", file::toString);
    }

    @Autowired
    MemcachedServer server;

    @Test
    void aBinaryConnectionIsClosedUnservedWhenAuthenticationIsOn() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(BinaryPackets.concat(
                    BinaryPackets.store(BinaryMemcacheOpcodes.SET, 1, 0, "k", BinaryPackets.ascii("v"), 0, 0),
                    BinaryPackets.keyOnly(BinaryMemcacheOpcodes.GET, 2, "k")));
            InputStream in = socket.getInputStream();
            assertThat(in.read()).as("closed without an answer").isEqualTo(-1);
        }
        try (TextClient text = new TextClient(server.port())) {
            text.send("set auth 0 0 12\r\nalice secret\r\nget k\r\n");
            assertThat(text.line()).isEqualTo("STORED");
            assertThat(text.line()).as("the binary SET stored nothing").isEqualTo("END");
        }
    }
}
