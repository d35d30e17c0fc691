package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.background.StreamingTask;
import io.spoolkv.config.SpoolProperties.Mode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failures are contained (issue 8): any Throwable in a producer, a resume, or a stream's completion ends the
 * stream with an error line or a close, releases every buffer and is counted; a stream that makes no progress
 * at depth 0 is stuck; watchers cannot starve paused producers of the global cap; closed spools leave the
 * global waiters; a spool whose event loop is gone is still released.
 */
class FailureContainmentTest {

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 1024, 256, 4096));

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        support.close();
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel(support.service.channelHandler());
        channels.add(ch);
        return ch;
    }

    private double failures(String where) {
        return support.registry.get("spoolkv.stream.failures").tag("where", where).counter().count();
    }

    private static void setWritable(EmbeddedChannel ch, boolean writable) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        ch.runPendingTasks();
    }

    private static String drainOutbound(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    /** A producer with a fixed script of fills: a line each, or a Throwable to throw. */
    private static final class ScriptedTask extends StreamingTask {
        private final Object[] script;
        private final boolean hasFailureLine;
        private int step;
        final CountDownLatch stopped = new CountDownLatch(1);

        ScriptedTask(ConnectionSpool spool, SpoolTestSupport support, Runnable onDone, boolean hasFailureLine,
                     Object... script) {
            super(spool, support.executor, 64, "scripted", onDone);
            this.script = script;
            this.hasFailureLine = hasFailureLine;
        }

        @Override
        protected boolean fill(ByteBuf chunk) throws Exception {
            Object next = script[step++];
            if (next instanceof Error e) {
                throw e;
            }
            if (next instanceof Exception e) {
                throw e;
            }
            chunk.writeCharSequence((String) next, StandardCharsets.US_ASCII);
            return step < script.length;
        }

        @Override
        protected ByteBuf failureLine(Throwable cause) {
            return hasFailureLine ? Unpooled.copiedBuffer("SERVER_ERROR failed\r\n", StandardCharsets.US_ASCII) : null;
        }

        @Override
        protected void onClosed() {
            stopped.countDown();
        }
    }

    @Test
    void anErrorInTheProducerEndsTheStreamWithItsErrorLineAndRunsTheCompletion() throws Exception {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        CountDownLatch done = new CountDownLatch(1);
        ScriptedTask task = new ScriptedTask(spool, support, done::countDown, true,
                "line one\r\n", new OutOfMemoryError("simulated"));
        assertThat(task.start()).isTrue();
        assertThat(task.stopped.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> spool.command() == null && support.executor.activeCount() == 0);
        ch.runPendingTasks();
        assertThat(drainOutbound(ch)).isEqualTo("line one\r\nSERVER_ERROR failed\r\n");
        assertThat(done.getCount()).as("the connection hears the stream ended, so it reads again").isZero();
        assertThat(failures("producer")).isEqualTo(1);
        assertThat(ch.isActive()).isTrue();
        assertThat(spool.depthBytes()).isZero();
    }

    @Test
    void anAllocationFailureIsContainedToo() throws Exception {
        EmbeddedChannel ch = channel();
        ch.config().setAllocator(new FailingAllocator());
        ConnectionSpool spool = support.service.spoolOf(ch);
        CountDownLatch done = new CountDownLatch(1);
        ScriptedTask task = new ScriptedTask(spool, support, done::countDown, true, "never\r\n");
        assertThat(task.start()).isTrue();
        assertThat(task.stopped.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> spool.command() == null && support.executor.activeCount() == 0);
        ch.runPendingTasks();
        assertThat(drainOutbound(ch)).isEqualTo("SERVER_ERROR failed\r\n");
        assertThat(done.getCount()).isZero();
        assertThat(failures("producer")).isEqualTo(1);
    }

    @Test
    void aProducerWithNoErrorLineClosesTheConnection() throws Exception {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        ScriptedTask task = new ScriptedTask(spool, support, () -> { }, false, new IllegalStateException("bug"));
        assertThat(task.start()).isTrue();
        assertThat(task.stopped.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            ch.runPendingTasks();
            assertThat(ch.isOpen()).isFalse();
        });
        assertThat(failures("producer")).isEqualTo(1);
    }

    @Test
    void anEndOfStreamCallbackThatThrowsClosesTheConnection() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        assertThat(spool.offer(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII))).isEqualTo(OfferResult.ACCEPTED);
        assertThat(spool.finish(() -> {
            throw new StackOverflowError("simulated");
        })).isEqualTo(OfferResult.ACCEPTED);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(failures("completion")).isEqualTo(1);
        assertThat(spool.depthBytes()).isZero();
    }

    @Test
    void aPausedProducerWhoseResumeIsRefusedReleasesItsKeptChunk() throws Exception {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        setWritable(ch, false);
        // 1 KiB high watermark, 512-byte chunks: the third chunk is refused and kept by the paused producer.
        PatternTask task = new PatternTask(spool, support.executor, 512, -1, new CountDownLatch(1));
        assertThat(task.start()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(spool::producerPaused);
        support.executor.shutdown(); // the server is shutting down: no resume can run any more
        setWritable(ch, true); // the spool drains, and would resume the producer
        drainOutbound(ch);
        assertThat(task.closed.await(5, TimeUnit.SECONDS)).as("producer told to release").isTrue();
        assertThat(task.allocated).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        assertThat(failures("resume")).isEqualTo(1);
        assertThat(spool.producerPaused()).isFalse();
    }

    @Test
    void aStreamThatMakesNoProgressAtDepthZeroIsStuck() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        long timeout = TimeUnit.SECONDS.toNanos(1);
        long later = System.nanoTime() + 2 * timeout;
        assertThat(spool.isStuck(later, timeout)).as("idle, no stream").isFalse();
        spool.command("lru_crawler metadump");
        assertThat(spool.depthBytes()).isZero();
        assertThat(spool.isStuck(System.nanoTime(), timeout)).as("just started").isFalse();
        assertThat(spool.isStuck(later, timeout)).as("a stream that neither offers nor finishes").isTrue();
        spool.command(null);
        assertThat(spool.isStuck(later, timeout)).isFalse();
    }

    @Test
    void watchersCannotTakeTheRoomPausedProducersWaitFor() {
        // Cap 4 KiB; the reserve for pausable producers is one high watermark (1 KiB).
        List<EmbeddedChannel> watchers = new ArrayList<>();
        int accepted = 0;
        for (int i = 0; i < 8; i++) {
            EmbeddedChannel w = channel();
            setWritable(w, false); // slow watchers: nothing they are offered leaves
            watchers.add(w);
            ConnectionSpool spool = support.service.spoolOf(w);
            for (int j = 0; j < 4; j++) {
                ByteBuf line = Unpooled.buffer(256).writeZero(256);
                if (spool.offerDroppable(line) == OfferResult.ACCEPTED) {
                    accepted += 256;
                } else {
                    line.release();
                }
            }
        }
        assertThat(accepted).as("watchers stop short of the reserve").isEqualTo(4096 - 1024);
        EmbeddedChannel producer = channel();
        setWritable(producer, false);
        ConnectionSpool spool = support.service.spoolOf(producer);
        for (int i = 0; i < 4; i++) {
            assertThat(spool.offer(Unpooled.buffer(256).writeZero(256))).as("offer %d", i).isEqualTo(OfferResult.ACCEPTED);
        }
        watchers.forEach(w -> setWritable(w, true));
    }

    @Test
    void aClosedSpoolLeavesTheGlobalWaitersAtOnce() {
        support.close();
        support = new SpoolTestSupport(props(Mode.SPOOLED, 4096, 1024, 8192));
        for (int i = 0; i < 2; i++) { // two producers fill the cap between them
            EmbeddedChannel full = channel();
            setWritable(full, false);
            assertThat(support.service.spoolOf(full).offer(Unpooled.buffer(4096).writeZero(4096)))
                    .isEqualTo(OfferResult.ACCEPTED);
        }
        EmbeddedChannel waiter = channel();
        ConnectionSpool spool = support.service.spoolOf(waiter);
        ByteBuf refused = Unpooled.buffer(64).writeZero(64);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        refused.release();
        assertThat(spool.resumeWhenDrained(() -> { })).isTrue();
        assertThat(support.service.globalWaiters()).isEqualTo(1);
        waiter.close();
        assertThat(support.service.globalWaiters()).isZero();
    }

    @Test
    void aSpoolWhoseEventLoopIsGoneIsReleasedByTheReaper() throws Exception {
        // A channel whose loop dies while the spool's drain is parked on writability, the channel still open
        // (Netty's IO loops close their channels when they shut down; this covers the case where that did not
        // happen first). A mock, because no real transport leaves a channel open past its loop.
        DefaultEventLoop loop = new DefaultEventLoop();
        Channel channel = mock(Channel.class);
        when(channel.eventLoop()).thenReturn(loop);
        when(channel.isWritable()).thenReturn(false);
        when(channel.alloc()).thenReturn(PooledByteBufAllocator.DEFAULT);
        GlobalBudget global = new GlobalBudget(4096, 1024);
        ConnectionSpool spool = new ConnectionSpool(channel, props(Mode.SPOOLED, 1024, 256, 4096), global,
                support.executor, new SpoolMetrics(support.registry, global));
        List<ByteBuf> offered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(128).writeZero(128);
            offered.add(buf);
            assertThat(spool.offer(buf)).isEqualTo(OfferResult.ACCEPTED);
        }
        loop.submit(() -> { }).sync(); // the drain ran and parked: the channel is unwritable
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        assertThat(offered).allSatisfy(buf -> assertThat(buf.refCnt()).isOne());
        spool.closeFromAnyThread(); // what the reaper does with a stuck spool
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(offered).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
            assertThat(global.bytes()).isZero();
            assertThat(spool.depthBytes()).isZero();
        });
        verify(channel).close();
        ByteBuf late = Unpooled.buffer(8).writeZero(8);
        assertThat(spool.offer(late)).isEqualTo(OfferResult.CLOSED);
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void aDrainThatFailsMidPassReturnsThePassAndReleasesItsUnwrittenFragment() throws Exception {
        // The channel takes two fragments (void promises), then the pass's promise cannot be made (as if
        // memory ran out): the pass had no listener yet, so the drain itself must give its bytes back.
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            Channel channel = mock(Channel.class);
            when(channel.eventLoop()).thenReturn(loop);
            when(channel.isWritable()).thenReturn(true);
            when(channel.newPromise()).thenThrow(new OutOfMemoryError("simulated: no memory for a promise"));
            List<ByteBuf> taken = new ArrayList<>();
            when(channel.write(org.mockito.ArgumentMatchers.any(), org.mockito.ArgumentMatchers.any()))
                    .thenAnswer(inv -> {
                        taken.add(inv.getArgument(0));
                        return null;
                    });
            GlobalBudget global = new GlobalBudget(4096, 1024);
            ConnectionSpool spool = new ConnectionSpool(channel, props(Mode.SPOOLED, 1024, 256, 4096), global,
                    support.executor, new SpoolMetrics(support.registry, global));
            List<ByteBuf> offered = offerThreeAndDrain(loop, spool);
            verify(channel).close();
            assertThat(spool.depthBytes()).isZero();
            assertThat(global.bytes()).isZero();
            assertThat(failures("drain")).isEqualTo(1);
            assertThat(taken).hasSize(2);
            taken.forEach(ByteBuf::release); // the "channel" owns what it took
            assertThat(offered).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
            // The pass was counted before its flush failed: the failure path must not count it again.
            assertThat(support.counter("spoolkv.spool.fragments.offered")).as("counted once").isEqualTo(3);
            assertThat(support.counter("spoolkv.spool.bytes.offered")).isEqualTo(300);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        }
    }

    @Test
    void aWriteThatThrowsMidPassStillCountsEveryFragmentTheDrainTookOnce() throws Exception {
        // The channel takes the first fragment, then its write throws (releasing the buffer, as Netty does when
        // a write fails): the third fragment, already the open pass's last, is released and settled by the
        // failure path, and counted as offered like the other two, once.
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            Channel channel = mock(Channel.class);
            when(channel.eventLoop()).thenReturn(loop);
            when(channel.isWritable()).thenReturn(true);
            List<ByteBuf> taken = new ArrayList<>();
            when(channel.write(org.mockito.ArgumentMatchers.any(), org.mockito.ArgumentMatchers.any()))
                    .thenAnswer(inv -> {
                        ByteBuf buf = inv.getArgument(0);
                        if (!taken.isEmpty()) {
                            buf.release();
                            throw new IllegalStateException("simulated: the write failed");
                        }
                        taken.add(buf);
                        return null;
                    });
            GlobalBudget global = new GlobalBudget(4096, 1024);
            ConnectionSpool spool = new ConnectionSpool(channel, props(Mode.SPOOLED, 1024, 256, 4096), global,
                    support.executor, new SpoolMetrics(support.registry, global));
            List<ByteBuf> offered = offerThreeAndDrain(loop, spool);
            verify(channel).close();
            assertThat(failures("drain")).isEqualTo(1);
            assertThat(spool.depthBytes()).isZero();
            assertThat(global.bytes()).isZero();
            assertThat(support.counter("spoolkv.spool.fragments.offered")).as("all three, once").isEqualTo(3);
            assertThat(support.counter("spoolkv.spool.bytes.offered")).isEqualTo(300);
            taken.forEach(ByteBuf::release); // the "channel" owns what it took
            assertThat(offered).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        }
    }

    @Test
    void aProducerWaitingForTheGlobalCapIsNotStuck() {
        support.close();
        support = new SpoolTestSupport(props(Mode.SPOOLED, 4096, 1024, 8192));
        for (int i = 0; i < 2; i++) { // other connections fill the cap
            EmbeddedChannel full = channel();
            setWritable(full, false);
            assertThat(support.service.spoolOf(full).offer(Unpooled.buffer(4096).writeZero(4096)))
                    .isEqualTo(OfferResult.ACCEPTED);
        }
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        spool.command("lru_crawler metadump");
        ByteBuf refused = Unpooled.buffer(64).writeZero(64);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        refused.release();
        assertThat(spool.resumeWhenDrained(() -> { })).isTrue();
        long timeout = TimeUnit.SECONDS.toNanos(1);
        assertThat(spool.isStuck(System.nanoTime() + 2 * timeout, timeout))
                .as("its own client is not the problem: the cap is").isFalse();
    }

    /** An allocator out of memory, as Netty's pooled one is when direct memory runs out. */
    private static final class FailingAllocator extends io.netty.buffer.AbstractByteBufAllocator {

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            throw new OutOfMemoryError("simulated: no memory for a chunk");
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            throw new OutOfMemoryError("simulated: no memory for a chunk");
        }
    }

    /** Offers three 100-byte fragments on the loop, so one drain pass sees all three, and waits for that drain. */
    private static List<ByteBuf> offerThreeAndDrain(DefaultEventLoop loop, ConnectionSpool spool) throws Exception {
        List<ByteBuf> offered = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < 3; i++) {
                ByteBuf buf = Unpooled.buffer(100).writeZero(100);
                offered.add(buf);
                assertThat(spool.offer(buf)).isEqualTo(OfferResult.ACCEPTED);
            }
        }).sync();
        loop.submit(() -> { }).sync(); // the drain has run
        return offered;
    }
}
