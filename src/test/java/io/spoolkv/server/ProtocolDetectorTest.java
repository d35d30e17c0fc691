package io.spoolkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.protocol.DrainConnection;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The first byte picks the protocol, the detector steps aside, and no byte is lost or reordered on the way. */
class ProtocolDetectorTest {

    /** Stands in for a protocol's decoder: collects the bytes it is given. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            bytes.writeBytes(b);
            buf.release();
        }
    }

    private final List<String> chosen = new ArrayList<>();
    private final Sink sink = new Sink();
    private final AtomicInteger idleCloses = new AtomicInteger();

    private Consumer<ChannelHandlerContext> install(String name) {
        return ctx -> {
            chosen.add(name);
            ctx.pipeline().addLast(sink);
        };
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new ProtocolDetector(install("text"), install("binary"), idleCloses::incrementAndGet));
    }

    @Test
    void theBinaryMagicPicksBinaryAndEveryByteGoesOnInOrder() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80})); // the first byte alone
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        assertThat(chosen).containsExactly("binary");
        assertThat(ch.pipeline().get(ProtocolDetector.class)).as("stepped aside").isNull();
        assertThat(sink.bytes.toByteArray()).containsExactly((byte) 0x80, 1, 2, 3);
        ch.finishAndReleaseAll();
    }

    @Test
    void anyOtherFirstBytePicksText() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("get k\r\n".getBytes()));
        assertThat(chosen).containsExactly("text");
        assertThat(sink.bytes.toString()).isEqualTo("get k\r\n");
        ch.finishAndReleaseAll();
    }

    /** A connection that sent nothing has nothing to answer: a shutdown drain or an idle timeout closes it. */
    @Test
    void aConnectionThatSentNothingClosesOnDrainAndIdle() {
        EmbeddedChannel drained = channel();
        drained.pipeline().fireUserEventTriggered(DrainConnection.INSTANCE);
        assertThat(drained.isOpen()).isFalse();
        assertThat(idleCloses).hasValue(0);
        EmbeddedChannel idle = channel();
        idle.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        assertThat(idle.isOpen()).isFalse();
        assertThat(idleCloses).hasValue(1);
        assertThat(chosen).isEmpty();
    }

    /**
     * An exception before the first byte (a failed TLS handshake, a reset) closes the connection here; it does not
     * reach the pipeline's tail (where Netty logs it as a warning and nothing closes).
     */
    @Test
    void anExceptionBeforeTheFirstByteClosesWithoutReachingTheTail() {
        EmbeddedChannel ch = channel();
        ch.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        ch.checkException(); // throws what reached the tail
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    /** A protocol whose setup fails closes the connection once; the detector does not keep buffering and retrying. */
    @Test
    void aFailedSetupClosesInsteadOfRetrying() {
        AtomicInteger attempts = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new ProtocolDetector(ctx -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("setup failed (test)");
        }, install("binary"), idleCloses::incrementAndGet));
        ch.writeInbound(Unpooled.copiedBuffer("get a\r\n", java.nio.charset.StandardCharsets.US_ASCII));
        ch.checkException();
        assertThat(ch.isOpen()).isFalse();
        assertThat(attempts).hasValue(1);
        assertThat(chosen).isEmpty();
        ch.finishAndReleaseAll();
    }
}
