package io.spoolkv.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.SpoolProperties.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.util.unit.DataSize;

/**
 * When a drain pass's bytes go back to the depth (and the global cap), and so when a paused producer is woken. The
 * socket is played by a handler that holds every write until the test completes it, in order, as Netty does.
 */
class DepthReturnTest {

    private static final int HIGH = 1024 * 1024;
    private static final int LOW = 256 * 1024;
    private static final int LARGE = 16 * 1024;

    private final SpoolTestSupport support = new SpoolTestSupport(new SpoolProperties(Mode.SPOOLED,
            DataSize.ofBytes(HIGH), DataSize.ofBytes(LOW), DataSize.ofMegabytes(64), 256, DataSize.ofMegabytes(1),
            Duration.ofSeconds(30)));
    private final HeldWrites socket = new HeldWrites();
    private final EmbeddedChannel ch = new EmbeddedChannel(support.service.channelHandler(), socket);

    @AfterEach
    void tearDown() {
        socket.completeAll();
        ch.finishAndReleaseAll();
        support.close();
    }

    /**
     * The bound and the wake-up point with large fragments: a pass of 1 MiB (64 fragments of 16 KiB) gives its
     * bytes back in groups of a quarter of the low watermark, never before the socket took them and never more
     * than a group after; so the paused producer is woken while three quarters of the low watermark are still
     * queued for the socket, not when the spool has run dry. The pass is still flushed once.
     */
    @Test
    void aLongPassReturnsItsBytesInGroupsAndWakesTheProducerBeforeTheSpoolRunsDry() throws Exception {
        ConnectionSpool spool = support.service.spoolOf(ch);
        int fragments = HIGH / LARGE;
        for (int i = 0; i < fragments; i++) {
            assertThat(spool.offer(Unpooled.buffer(LARGE).writeZero(LARGE))).isEqualTo(OfferResult.ACCEPTED);
        }
        ByteBuf refused = Unpooled.buffer(LARGE).writeZero(LARGE);
        try {
            assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
            CountDownLatch resumed = new CountDownLatch(1);
            assertThat(spool.resumeWhenDrained(resumed::countDown)).isTrue();
            ch.runPendingTasks(); // one drain pass writes all 64
            assertThat(socket.writes).hasSize(fragments);
            assertThat(socket.flushes).as("one flush per pass, however many groups").isEqualTo(1);

            long group = LOW / 4; // what groupBytes(LOW) is: above its 16 KiB floor
            assertThat(ConnectionSpool.groupBytes(LOW)).isEqualTo(group);
            long untakenAtWake = -1;
            for (int taken = 1; taken <= fragments; taken++) {
                socket.completeNext();
                long untaken = (long) (fragments - taken) * LARGE;
                assertThat(spool.depthBytes()).as("never returned before the socket took it")
                        .isGreaterThanOrEqualTo(untaken);
                assertThat(spool.depthBytes() - untaken).as("returned at most a group late").isLessThan(group);
                if (untakenAtWake < 0 && !spool.producerPaused()) {
                    untakenAtWake = untaken;
                }
            }
            assertThat(untakenAtWake).as("bytes still queued for the socket when the producer was woken")
                    .isGreaterThanOrEqualTo(LOW / 2);
            assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(support.service.totals().depthBytes()).as("the global cap got every byte back").isZero();
        } finally {
            refused.release();
        }
    }

    /**
     * The resume point follows the size of the fragment the producer paused on: small fragments wake it under the
     * low watermark, large ones earlier, so the socket has more queued while the producer gets going, but never
     * above three quarters of the bound (1 MiB), so a woken producer has room to fill; a low watermark above that
     * decides. Each row: the fragment size, the low watermark, and the depth under which the producer must be
     * woken (reached in the socket's steps of a group).
     */
    @ParameterizedTest(name = "{0} B fragments, low watermark {1} B: woken under {2} B")
    @CsvSource({
            "1024, 262144, 262144", "4096, 262144, 262144", "8192, 262144, 393216", "16384, 262144, 786432",
            "65536, 262144, 786432", // 48 fragments would be 3 MiB: three quarters of the bound decide
            "16384, 917504, 917504", // the low watermark above three quarters of the bound decides
            "1024, 0, 49152"}) // no low watermark: 48 fragments still queued
    void largeFragmentsWakeTheProducerEarlierButNeverAboveThreeQuartersOfTheBound(int size, int low, long wakeUnder)
            throws Exception {
        SpoolTestSupport own = new SpoolTestSupport(new SpoolProperties(Mode.SPOOLED, DataSize.ofBytes(HIGH),
                DataSize.ofBytes(low), DataSize.ofMegabytes(64), 256, DataSize.ofMegabytes(1), Duration.ofSeconds(30)));
        HeldWrites held = new HeldWrites();
        EmbeddedChannel channel = new EmbeddedChannel(own.service.channelHandler(), held);
        ByteBuf refused = Unpooled.buffer(size).writeZero(size);
        try {
            ConnectionSpool spool = own.service.spoolOf(channel);
            int fragments = HIGH / size;
            for (int i = 0; i < fragments; i++) {
                assertThat(spool.offer(Unpooled.buffer(size).writeZero(size))).isEqualTo(OfferResult.ACCEPTED);
            }
            assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
            CountDownLatch resumed = new CountDownLatch(1);
            assertThat(spool.resumeWhenDrained(resumed::countDown)).isTrue();
            channel.runPendingTasks();
            assertThat(held.writes).hasSize(fragments);
            long depthBefore = spool.depthBytes();
            long depthAtWake = -1;
            while (held.completed < fragments) {
                held.completeNext();
                if (!spool.producerPaused()) {
                    depthAtWake = spool.depthBytes();
                    break;
                }
                depthBefore = spool.depthBytes();
            }
            assertThat(depthAtWake).as("woken under the resume point").isGreaterThanOrEqualTo(0).isLessThan(wakeUnder);
            assertThat(depthBefore).as("not woken while the depth was still at or above it")
                    .isGreaterThanOrEqualTo(wakeUnder);
            assertThat(resumed.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            refused.release();
            held.completeAll();
            channel.finishAndReleaseAll();
            own.close();
        }
    }

    /** Small fragments pay nothing for the groups: a pass of 256 fragments of 64 B is one group, one promise. */
    @Test
    void aPassOfSmallFragmentsIsOneGroup() {
        ConnectionSpool spool = support.service.spoolOf(ch);
        for (int i = 0; i < 256; i++) {
            assertThat(spool.offer(Unpooled.buffer(64).writeZero(64))).isEqualTo(OfferResult.ACCEPTED);
        }
        ch.runPendingTasks();
        assertThat(socket.writes).hasSize(256);
        assertThat(socket.writes.stream().filter(w -> !w.promise.isVoid()).count()).isEqualTo(1);
        assertThat(socket.flushes).isEqualTo(1);
        assertThat(spool.depthBytes()).isEqualTo(256 * 64);
        socket.completeAll();
        assertThat(spool.depthBytes()).isZero();
    }

    /**
     * At the default pass size (1,024 fragments) and the default low watermark, a pass of 1,024 fragments of 64 B
     * (64 KiB) is still one group, one promise and one flush.
     */
    @Test
    void aDefaultSizedPassOfSmallFragmentsIsOneGroupAndOneFlush() {
        SpoolProperties defaults = new SpoolProperties(Mode.SPOOLED, DataSize.ofMegabytes(1), DataSize.ofKilobytes(256),
                DataSize.ofMegabytes(64), 1024, DataSize.ofMegabytes(1), Duration.ofSeconds(360));
        SpoolTestSupport own = new SpoolTestSupport(defaults);
        HeldWrites held = new HeldWrites();
        EmbeddedChannel channel = new EmbeddedChannel(own.service.channelHandler(), held);
        try {
            ConnectionSpool spool = own.service.spoolOf(channel);
            for (int i = 0; i < 1024; i++) {
                assertThat(spool.offer(Unpooled.buffer(64).writeZero(64))).isEqualTo(OfferResult.ACCEPTED);
            }
            channel.runPendingTasks();
            assertThat(held.writes).hasSize(1024);
            assertThat(held.writes.stream().filter(w -> !w.promise.isVoid()).count()).as("promises").isEqualTo(1);
            assertThat(held.flushes).as("flushes").isEqualTo(1);
            held.completeAll();
            assertThat(spool.depthBytes()).isZero();
        } finally {
            held.completeAll();
            channel.finishAndReleaseAll();
            own.close();
        }
    }

    /** Holds writes (released and completed by the test, in order) and counts flushes. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        record Write(Object msg, ChannelPromise promise) {
        }

        final List<Write> writes = new ArrayList<>();
        int completed;
        int flushes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes.add(new Write(msg, promise));
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
        }

        void completeNext() {
            Write w = writes.get(completed++);
            ReferenceCountUtil.release(w.msg);
            w.promise.trySuccess(); // a void promise ignores it
        }

        void completeAll() {
            while (completed < writes.size()) {
                completeNext();
            }
        }
    }
}
