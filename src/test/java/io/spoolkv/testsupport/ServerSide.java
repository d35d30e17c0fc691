package io.spoolkv.testsupport;

import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.spoolkv.server.ConnectionRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** The server's end of a test client's connection, to look at what the socket has not taken yet. */
public final class ServerSide {

    private ServerSide() {
    }

    /** The server-side channel of the client whose local port is {@code clientLocalPort} (waits up to 5 s for it). */
    public static Channel of(ConnectionRegistry registry, int clientLocalPort) {
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

    /** Bytes written to the channel that its socket has not taken. */
    public static long pendingOutbound(Channel ch) {
        var buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }
}
