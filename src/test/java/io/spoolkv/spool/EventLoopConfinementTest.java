package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.spoolkv.config.SpoolProperties.Mode;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Every write and flush must reach the socket from the channel's event loop, issued there by the spool's
 * drain, never handed over from a worker thread.
 *
 * <p>Checking {@code ctx.executor().inEventLoop()} alone cannot fail: when a worker calls
 * {@code channel.writeAndFlush}, Netty itself re-submits the call to the event loop as a task, so the handler
 * still runs on the loop. What distinguishes the two paths is that hand-over: the recorder therefore also
 * notes whether it was reached through Netty's cross-thread write/flush task. Direct mode (per-fragment
 * {@code writeAndFlush} from the worker) shows that this check does fail.
 */
class EventLoopConfinementTest {

    private static final long TOTAL = 512 * 1024;

    @Test
    void spooledWritesAndFlushesAreIssuedOnTheEventLoop() throws Exception {
        Recorder recorder = stream(Mode.SPOOLED);
        assertThat(recorder.writes.get()).isPositive();
        assertThat(recorder.offLoop.get()).as("writes/flushes run off the event loop").isZero();
        assertThat(recorder.handedOver.get()).as("writes/flushes handed over from another thread").isZero();
        assertThat(recorder.flushes.get()).as("one flush per drain pass, not per fragment")
                .isLessThan(recorder.writes.get());
    }

    @Test
    void directModeWritesAreHandedOverFromTheWorker() throws Exception {
        Recorder recorder = stream(Mode.DIRECT);
        assertThat(recorder.writes.get()).isPositive();
        assertThat(recorder.offLoop.get()).as("Netty moves them onto the loop itself").isZero();
        assertThat(recorder.flushes.get()).as("one flush per fragment").isEqualTo(recorder.writes.get());
        assertThat(recorder.handedOver.get()).as("each write and flush was handed over from the worker")
                .isEqualTo(recorder.writes.get() + recorder.flushes.get());
    }

    private Recorder stream(Mode mode) throws Exception {
        Recorder recorder = new Recorder();
        try (SpoolTestSupport support = new SpoolTestSupport(props(mode, 64 * 1024, 16 * 1024, 1024 * 1024));
             LoopbackServer server = new LoopbackServer(support.service, recorder, 8 * 1024, 32 * 1024, 32 * 1024);
             Socket client = server.connect(32 * 1024)) {
            ConnectionSpool spool = support.service.spoolOf(server.accept());
            CountDownLatch done = new CountDownLatch(1);
            PatternTask task = new PatternTask(spool, support.executor, 1024, TOTAL, done);
            assertThat(task.start()).isTrue();
            PatternTask.readAndVerify(client.getInputStream(), TOTAL);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
        return recorder;
    }

    /** At the head of the pipeline: sees every write and flush just before the transport. */
    @ChannelHandler.Sharable
    private static final class Recorder extends ChannelOutboundHandlerAdapter {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger flushes = new AtomicInteger();
        final AtomicInteger offLoop = new AtomicInteger();
        final AtomicInteger handedOver = new AtomicInteger();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            writes.incrementAndGet();
            check(ctx);
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) throws Exception {
            flushes.incrementAndGet();
            check(ctx);
            ctx.flush();
        }

        private void check(ChannelHandlerContext ctx) {
            if (!ctx.executor().inEventLoop()) {
                offLoop.incrementAndGet();
            }
            if (reachedThroughCrossThreadTask()) {
                handedOver.incrementAndGet();
            }
        }

        /** Netty's WriteTask / flush task run a write or flush that some other thread issued. */
        private static boolean reachedThroughCrossThreadTask() {
            return StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
                    f.getClassName().startsWith("io.netty.channel.AbstractChannelHandlerContext$WriteTask")
                            || f.getClassName().startsWith("io.netty.channel.AbstractChannelHandlerContext$Tasks")));
        }
    }
}
