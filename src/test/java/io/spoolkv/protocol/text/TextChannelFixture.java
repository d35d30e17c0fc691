package io.spoolkv.protocol.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.ConnectionCounts;
import io.spoolkv.command.MutationListener;
import io.spoolkv.command.RuntimeSettings;
import io.spoolkv.command.LoginCounts;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.command.WatchCounts;
import io.spoolkv.command.RuntimeSettings;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.ItemStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.unit.DataSize;

/**
 * One connection's text pipeline (decoder, encoder, handler) on an {@link EmbeddedChannel} over a
 * given store; streaming commands are recorded in {@link #streamed} and answered ERROR.
 */
final class TextChannelFixture {

    final CacheCommands commands;
    final List<TextRequest> streamed = new ArrayList<>();
    final EmbeddedChannel channel;

    TextChannelFixture(ItemStore store) {
        this(store, MutationListener.NONE);
    }

    /** As above, with {@code watch} hearing the command layer's stores and fetches. */
    TextChannelFixture(ItemStore store, MutationListener watch) {
        commands = new CacheCommands(store, watch);
        ConnectionCounts counts = new ConnectionCounts() {
            @Override
            public long currentConnections() {
                return 1;
            }

            @Override
            public long totalConnections() {
                return 2;
            }

            @Override
            public long rejectedConnections() {
                return 0;
            }

            @Override
            public int ioThreads() {
                return 1;
            }

            @Override
            public long bytesRead() {
                return 300;
            }

            @Override
            public long bytesWritten() {
                return 400;
            }

            @Override
            public String listenAddress() {
                return "tcp:127.0.0.1:11211";
            }

            @Override
            public List<ConnectionInfo> connections() {
                return List.of(new ConnectionInfo(1, "tcp:127.0.0.1:50000", "tcp:127.0.0.1:11211", 0),
                        new ConnectionInfo(2, "tcp:127.0.0.1:50001", "tcp:127.0.0.1:11211", 7));
            }
        };
        StreamCommands streams = (ctx, clientId, request, onFinished) -> {
            streamed.add(request);
            return StreamCommands.Started.reply(TextResponse.Line.ERROR);
        };
        channel = pipeline(commands, counts,
                new ServerProperties("127.0.0.1", 11211, 1, 16, Duration.ofSeconds(1), Duration.ZERO,
                        DataSize.ofKilobytes(64), DataSize.ofKilobytes(32), DataSize.ofMegabytes(4)),
                new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), streams,
                TextRequestDecoder.MAX_LINE);
    }

    /**
     * One connection's text pipeline as the server builds it (decoder, encoder, handler over the command layer),
     * on an {@link EmbeddedChannel}; the decoder takes {@code store}'s item size and the given retrieval-line limit.
     */
    static EmbeddedChannel pipeline(CacheCommands commands, ConnectionCounts counts, ServerProperties server,
                                    StoreProperties store, StreamCommands streams, int maxRetrievalLine) {
        StatsReporter stats = new StatsReporter(commands, counts, server,
                new SpoolProperties(SpoolProperties.Mode.SPOOLED, DataSize.ofMegabytes(1), DataSize.ofKilobytes(256),
                        DataSize.ofMegabytes(64), 256, DataSize.ofMegabytes(1), Duration.ofSeconds(360)),
                new BackgroundProperties(2, 1024, DataSize.ofKilobytes(16)), new RuntimeSettings(store),
                WatchCounts.NONE, LoginCounts.NONE);
        TextCommandHandler handler = new TextCommandHandler(new TextCommandExecutor(commands, stats), streams, 1,
                () -> { }, Duration.ofSeconds(5));
        return new EmbeddedChannel(new TextRequestDecoder((int) store.maxItemSize().toBytes(), maxRetrievalLine),
                TextResponseEncoder.INSTANCE, handler);
    }

    /** Sends {@code input} in one packet and returns everything written back. */
    String send(String input) {
        channel.writeInbound(Unpooled.copiedBuffer(input, ISO_8859_1));
        return output();
    }

    String output() {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    void close() {
        channel.finishAndReleaseAll();
    }
}
