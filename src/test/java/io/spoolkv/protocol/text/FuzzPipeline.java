package io.spoolkv.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.ConnectionCounts;
import io.spoolkv.command.MutationListener;
import io.spoolkv.config.ServerProperties;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * One connection's real pipeline on an {@link EmbeddedChannel}, for the fuzz tests: {@link TextRequestDecoder},
 * {@link TextResponseEncoder} and {@link TextCommandHandler} over the real {@link TextCommandExecutor},
 * {@link CacheCommands} and {@link MemoryItemStore} on a test clock. Input is written from pooled direct buffers
 * (tracked by the PARANOID leak detector), and {@link #close} checks that the pipeline released every one.
 *
 * <p>The handler turns any exception into a closed connection and a debug log line; this class records that log
 * line, so an exception anywhere in the pipeline fails the property instead of passing as "closed".
 *
 * <p>Streaming commands ({@code lru_crawler} dumps, {@code watch}) need a spool and background threads, which an
 * {@code EmbeddedChannel} has not; they get what the real {@code TextStreamCommands} answers on a connection
 * without a spool. Their streaming is covered over real sockets (the {@code *IT} classes and the chaos soak).
 */
final class FuzzPipeline implements AutoCloseable {

    /** Small, so the fuzz reaches the too-large path often and a pending data block is cheap to complete. */
    static final int MAX_ITEM_SIZE = 2048;
    /** Small too (the server's default is 4 MB), so the fuzz's long tokens reach the over-limit path. */
    static final int MAX_RETRIEVAL_LINE = 64 * 1024;
    static final TextResponse NO_SPOOL = TextResponse.Line.of("SERVER_ERROR no spool for this connection");

    private static final ConnectionCounts ONE_CONNECTION = new ConnectionCounts() {
        @Override
        public long currentConnections() {
            return 1;
        }

        @Override
        public long totalConnections() {
            return 1;
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
            return 0;
        }

        @Override
        public long bytesWritten() {
            return 0;
        }

        @Override
        public String listenAddress() {
            return "tcp:127.0.0.1:11211";
        }

        @Override
        public List<ConnectionInfo> connections() {
            return List.of(new ConnectionInfo(1, "tcp:127.0.0.1:50000", "tcp:127.0.0.1:11211", 0));
        }
    };

    private final EmbeddedChannel channel;
    private final MemoryItemStore store;
    private final List<ByteBuf> inputs = new ArrayList<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final ListAppender<ILoggingEvent> handlerLog = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(TextCommandHandler.class);
    private final Level previousLevel = logger.getLevel();

    FuzzPipeline(MutableClock clock) {
        StoreProperties storeProperties = new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofBytes(MAX_ITEM_SIZE),
                true);
        store = new MemoryItemStore(storeProperties, clock);
        CacheCommands commands = new CacheCommands(store, MutationListener.NONE);
        StreamCommands noSpool = (ctx, clientId, request, onFinished) -> StreamCommands.Started.reply(NO_SPOOL);
        handlerLog.start();
        logger.addAppender(handlerLog);
        logger.setLevel(Level.DEBUG);
        channel = TextChannelFixture.pipeline(commands, ONE_CONNECTION,
                // A low output bound (4 KiB) so streams often make the connection pause and resume its requests.
                new ServerProperties("127.0.0.1", 11211, 1, 16, Duration.ofSeconds(1), Duration.ZERO,
                        DataSize.ofKilobytes(4), DataSize.ofKilobytes(2), DataSize.ofBytes(MAX_RETRIEVAL_LINE)),
                storeProperties, noSpool, MAX_RETRIEVAL_LINE);
    }

    /** Writes {@code bytes} in pieces cut at {@code cuts} (sorted); stops writing once the connection closed. */
    void write(byte[] bytes, int[] cuts) {
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            if (to > from) {
                writePiece(Arrays.copyOfRange(bytes, from, to));
            }
            from = Math.max(from, to);
        }
    }

    private void writePiece(byte[] piece) {
        if (!channel.isOpen()) {
            return;
        }
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(piece.length);
        buf.writeBytes(piece);
        inputs.add(buf);
        channel.writeInbound(buf);
        channel.runPendingTasks();
        channel.checkException();
        assertNoPipelineException();
        collectOutput();
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Everything the connection has sent so far. */
    byte[] output() {
        collectOutput();
        return output.toByteArray();
    }

    private void collectOutput() {
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                output.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }
    }

    private void assertNoPipelineException() {
        assertThat(handlerLog.list).as("exceptions that reached the command handler (it closes the connection)")
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        assertThat(channel.inboundMessages()).as("messages that passed the command handler").isEmpty();
    }

    /** Closes the connection, then checks that nothing leaked or threw on the way. */
    @Override
    public void close() {
        try {
            collectOutput();
            channel.close();
            channel.runPendingTasks();
            channel.checkException();
            assertNoPipelineException();
            // finishAndReleaseAll releases what is still queued; a true return means a message was left over
            assertThat(channel.finishAndReleaseAll()).as("messages left in the channel").isFalse();
            for (ByteBuf input : inputs) {
                assertThat(input.refCnt()).as("input buffer still held by the pipeline after close").isZero();
            }
        } finally {
            store.close(); // frees the values, for the leak check
            logger.detachAppender(handlerLog);
            logger.setLevel(previousLevel);
        }
    }
}
