package io.spoolkv.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.SpoolProperties.Mode;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * What the spool's cheaper queue entries (the producer's buffer itself, a time stamp once per pass, counters once
 * per pass) must still guarantee, on an EmbeddedChannel: drain passes of one fragment each, so every fragment
 * starts a pass of its own.
 */
class SpoolQueueEntryTest {

    private final SpoolTestSupport support = new SpoolTestSupport(new SpoolProperties(Mode.SPOOLED,
            DataSize.ofBytes(1024), DataSize.ofBytes(256), DataSize.ofBytes(4096), 1, DataSize.ofMegabytes(1),
            Duration.ofSeconds(30)));
    private final EmbeddedChannel ch = new EmbeddedChannel(support.service.channelHandler());

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        support.close();
    }

    private static ByteBuf fragment(int fill) {
        return Unpooled.buffer(10).writeZero(9).writeByte(fill);
    }

    private void setWritable(boolean writable) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        ch.runPendingTasks();
    }

    /** Ownership, no copy and no wrapper: the channel gets the very buffers the producer offered, in order. */
    @Test
    void theChannelGetsTheOfferedBuffersThemselvesInOrder() {
        ConnectionSpool spool = support.service.spoolOf(ch);
        ByteBuf[] offered = new ByteBuf[5];
        for (int i = 0; i < offered.length; i++) {
            offered[i] = fragment(i);
            assertThat(spool.offer(offered[i])).isEqualTo(OfferResult.ACCEPTED);
        }
        ch.runPendingTasks();
        for (ByteBuf expected : offered) {
            ByteBuf out = ch.readOutbound();
            assertThat(out).isSameAs(expected);
            out.release();
        }
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(support.counter("spoolkv.spool.drain.passes")).as("one fragment per pass").isEqualTo(5);
    }

    /**
     * Flush latency never understates, though offers no longer read the clock each: every pass, including one
     * whose first fragment was queued behind an earlier pass (no stamp of its own), records at least the time its
     * fragment waited in the queue.
     */
    @Test
    void everyPassRecordsAtLeastTheTimeItsFirstFragmentWaited() throws Exception {
        ConnectionSpool spool = support.service.spoolOf(ch);
        setWritable(false);
        spool.offer(fragment(1));
        ch.runPendingTasks(); // the drain parks on writability
        spool.offer(fragment(2)); // queued behind the first, in the same busy period
        spool.offer(fragment(3));
        long waited = System.nanoTime();
        Thread.sleep(120);
        waited = System.nanoTime() - waited; // before the passes run: no sample may be shorter than this
        setWritable(true); // three passes of one fragment each
        for (int i = 1; i <= 3; i++) {
            ByteBuf out = ch.readOutbound();
            assertThat(out.getByte(9)).isEqualTo((byte) i);
            out.release();
        }
        Timer latency = support.registry.get("spoolkv.spool.flush.latency").timer();
        assertThat(latency.count()).isEqualTo(3);
        assertThat(smallestSampleNanos(spool, 3)).as("every fragment waited at least the sleep")
                .isGreaterThanOrEqualTo(waited);
    }

    /**
     * Flush latency overstates by fewer than a pass of offers, not by a parked spell: an offer that comes long
     * after the last stamp, behind a parked drain, is timed from its own offer (here, one fragment per pass, every
     * offer stamps). Without the stamp at each pass's worth of depth, the third pass was timed from the second
     * offer and recorded the whole 300 ms sleep.
     */
    @Test
    void aLateOfferBehindAParkedDrainIsNotTimedFromAnEarlierStamp() throws Exception {
        ConnectionSpool spool = support.service.spoolOf(ch);
        setWritable(false);
        spool.offer(fragment(1));
        ch.runPendingTasks(); // the drain parks on writability and asks for a stamp
        spool.offer(fragment(2)); // stamps
        Thread.sleep(300);
        long late = System.nanoTime();
        spool.offer(fragment(3));
        setWritable(true);
        long atMost = System.nanoTime() - late; // no pass took longer than this after the third offer
        for (int i = 1; i <= 3; i++) {
            ((ByteBuf) ch.readOutbound()).release();
        }
        assertThat(smallestSampleNanos(spool, 3)).as("the third pass, timed from its own offer")
                .isLessThanOrEqualTo(atMost);
    }

    /** The smallest of this connection's recent flush latencies, after checking there are {@code expected}. */
    private static long smallestSampleNanos(ConnectionSpool spool, int expected) {
        long[] recent = spool.recentFlushLatencyNanos();
        assertThat(recent).hasSize(expected);
        assertThat(spool.stats().flushLatency().samples()).isEqualTo(expected);
        return recent[0];
    }

    /** After an idle spell the next pass is timed from its own offer, not from the stamp of a pass long ago. */
    @Test
    void aPassAfterAnIdleSpellIsTimedFromItsOwnOffer() throws Exception {
        ConnectionSpool spool = support.service.spoolOf(ch);
        spool.offer(fragment(1));
        ch.runPendingTasks();
        ((ByteBuf) ch.readOutbound()).release();
        Thread.sleep(300); // idle
        spool.offer(fragment(2));
        ch.runPendingTasks();
        ((ByteBuf) ch.readOutbound()).release();
        Timer latency = support.registry.get("spoolkv.spool.flush.latency").timer();
        assertThat(latency.count()).isEqualTo(2);
        assertThat(latency.max(TimeUnit.MILLISECONDS)).as("no pass includes the idle spell").isLessThan(250);
    }

    /**
     * The batched counters are up to date before a pass's bytes can reach the client: a client that has read
     * everything and then reads the counters sees every fragment (DrainBatchingTest reads them so).
     */
    @Test
    void thePassIsCountedBeforeItsFlush() {
        List<Double> countedAtFlush = new ArrayList<>();
        EmbeddedChannel counted = new EmbeddedChannel(support.service.channelHandler(), new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                countedAtFlush.add(support.counter("spoolkv.spool.fragments.offered"));
                ctx.flush();
            }
        });
        try {
            ConnectionSpool spool = support.service.spoolOf(counted);
            for (int i = 1; i <= 3; i++) {
                spool.offer(fragment(i));
            }
            counted.runPendingTasks(); // three passes of one fragment, a flush each
            assertThat(countedAtFlush).containsExactly(1.0, 2.0, 3.0);
        } finally {
            counted.finishAndReleaseAll();
        }
    }

    /** Counters batched per pass still count every accepted fragment: written ones and ones a close dropped. */
    @Test
    void offeredCountersCountWrittenAndDroppedFragments() {
        ConnectionSpool spool = support.service.spoolOf(ch);
        spool.offer(fragment(1));
        spool.offer(fragment(2));
        ch.runPendingTasks();
        setWritable(false);
        spool.offer(fragment(3));
        ch.runPendingTasks();
        assertThat(support.counter("spoolkv.spool.fragments.offered")).isEqualTo(2);
        ch.close(); // drops the queued third fragment
        ch.runPendingTasks();
        assertThat(support.counter("spoolkv.spool.fragments.offered")).isEqualTo(3);
        assertThat(support.counter("spoolkv.spool.bytes.offered")).isEqualTo(30);
        assertThat(spool.depthBytes()).isZero();
    }
}
