package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The spool's state machine, single-threaded and deterministic on an EmbeddedChannel: its "event loop" runs
 * tasks only when we call runPendingTasks, and its flush hands bytes to the "socket" at once.
 */
class ConnectionSpoolTest {

    private final SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 1024, 256, 1024));
    private final List<EmbeddedChannel> channels = new ArrayList<>();

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

    private static ByteBuf fragment(int size, int fill) {
        ByteBuf buf = Unpooled.buffer(size);
        for (int i = 0; i < size; i++) {
            buf.writeByte(fill);
        }
        return buf;
    }

    private static void setWritable(EmbeddedChannel ch, boolean writable) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        ch.runPendingTasks(); // the writability event is delivered as a task
    }

    @Test
    void offersOfOneBurstAreWrittenInOrderByOneDrainPass() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        for (int i = 0; i < 10; i++) {
            assertThat(spool.offer(fragment(10, i))).isEqualTo(OfferResult.ACCEPTED);
        }
        assertThat(spool.depthBytes()).isEqualTo(100);
        assertThat(support.gauge("spoolkv.spool.depth")).isEqualTo(100);

        ch.runPendingTasks();

        for (int i = 0; i < 10; i++) {
            ByteBuf out = ch.readOutbound();
            assertThat(out.getByte(0)).isEqualTo((byte) i);
            out.release();
        }
        assertThat(support.counter("spoolkv.spool.drain.passes")).isEqualTo(1);
        assertThat(spool.depthBytes()).isZero();
        assertThat(spool.depthFragments()).isZero();
        assertThat(spool.bytesSent()).isEqualTo(100);
        assertThat(support.service.totals().depthBytes()).isZero();
        assertThat(support.registry.get("spoolkv.spool.flush.latency").timer().count()).isEqualTo(1);
    }

    @Test
    void refusesPastHighWaterButAlwaysAcceptsIntoAnEmptySpool() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        assertThat(spool.offer(fragment(4096, 1))).isEqualTo(OfferResult.ACCEPTED);
        ByteBuf refused = fragment(10, 2);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        assertThat(refused.refCnt()).as("the caller still owns a refused fragment").isEqualTo(1);

        ch.runPendingTasks();
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.ACCEPTED);
        ch.runPendingTasks();
        assertThat(spool.depthBytes()).isZero();
        assertThat(support.counter("spoolkv.spool.would.block")).isEqualTo(1);
    }

    @Test
    void resumeFiresOnceWhenDrainedAndAtOnceIfAlreadyDrained() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        spool.offer(fragment(1000, 1));
        ByteBuf refused = fragment(100, 2);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        AtomicInteger resumed = new AtomicInteger();
        assertThat(spool.resumeWhenDrained(resumed::incrementAndGet)).isTrue();
        assertThat(spool.producerPaused()).isTrue();
        sleep(50);
        assertThat(resumed).hasValue(0);

        ch.runPendingTasks();
        await().atMost(Duration.ofSeconds(2)).untilAtomic(resumed, org.hamcrest.Matchers.equalTo(1));
        assertThat(spool.producerPaused()).isFalse();

        AtomicInteger immediate = new AtomicInteger();
        assertThat(spool.resumeWhenDrained(immediate::incrementAndGet)).isTrue();
        await().atMost(Duration.ofSeconds(2)).untilAtomic(immediate, org.hamcrest.Matchers.equalTo(1));
        sleep(50);
        assertThat(resumed).hasValue(1);
        assertThat(support.counter("spoolkv.spool.resumes")).isEqualTo(2);
        refused.release();
    }

    @Test
    void unwritableChannelParksTheDrainAndWritabilityRestartsIt() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        setWritable(ch, false);
        spool.offer(fragment(10, 1));
        ch.runPendingTasks();
        spool.offer(fragment(10, 2));
        spool.offer(fragment(10, 3));
        ch.runPendingTasks();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(support.counter("spoolkv.spool.drain.passes"))
                .as("offers to a parked spool do not wake the loop").isEqualTo(1);
        spool.command("lru_crawler metadump");
        SpoolStats stats = spool.stats();
        assertThat(stats.id()).isEqualTo(ch.id().asShortText());
        assertThat(stats.depthBytes()).isEqualTo(30);
        assertThat(stats.depthFragments()).isEqualTo(3);
        assertThat(stats.writable()).isFalse();
        assertThat(stats.producerPaused()).isFalse();
        assertThat(stats.command()).isEqualTo("lru_crawler metadump");
        assertThat(stats.oldestPendingMillis()).isGreaterThanOrEqualTo(0);
        assertThat(stats.lastProgress()).isNotNull();

        setWritable(ch, true);

        for (int i = 1; i <= 3; i++) {
            ByteBuf out = ch.readOutbound();
            assertThat(out.getByte(0)).isEqualTo((byte) i);
            out.release();
        }
        assertThat(spool.depthBytes()).isZero();
        assertThat(spool.stats().bytesSent()).isEqualTo(30);
        assertThat(spool.stats().oldestPendingMillis()).isZero();
    }

    @Test
    void finishRunsOnTheLoopAfterEveryEarlierFragmentWasWritten() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        spool.offer(fragment(10, 1));
        spool.offer(fragment(10, 2));
        List<Integer> seenAtFinish = new ArrayList<>();
        assertThat(spool.finish(() -> seenAtFinish.add(ch.outboundMessages().size()))).isEqualTo(OfferResult.ACCEPTED);
        spool.offer(fragment(10, 3));
        ch.runPendingTasks();
        assertThat(seenAtFinish).containsExactly(2);
        assertThat(ch.outboundMessages()).hasSize(3);
    }

    @Test
    void closeReleasesEverythingAndProducersHearClosed() {
        EmbeddedChannel ch = channel();
        ConnectionSpool spool = support.service.spoolOf(ch);
        setWritable(ch, false);
        List<ByteBuf> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBuf buf = fragment(300, i);
            queued.add(buf);
            spool.offer(buf);
        }
        ByteBuf refused = fragment(300, 9);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        AtomicInteger resumed = new AtomicInteger();
        spool.resumeWhenDrained(resumed::incrementAndGet);
        ch.runPendingTasks();

        ch.close();

        assertThat(queued).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        assertThat(spool.depthBytes()).isZero();
        assertThat(spool.depthFragments()).isZero();
        assertThat(support.service.totals().depthBytes()).isZero();
        await().atMost(Duration.ofSeconds(2)).untilAtomic(resumed, org.hamcrest.Matchers.equalTo(1));
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.CLOSED);
        assertThat(refused.refCnt()).as("CLOSED means the spool released it").isZero();
        AtomicInteger ran = new AtomicInteger();
        assertThat(spool.finish(ran::incrementAndGet)).isEqualTo(OfferResult.CLOSED);
        assertThat(spool.resumeWhenDrained(ran::incrementAndGet)).isFalse();
        ch.runPendingTasks();
        sleep(50);
        assertThat(ran).hasValue(0);
        assertThat(resumed).hasValue(1);
        assertThat(support.service.spools()).isEmpty();
    }

    @Test
    void globalCapRefusesAcrossSpoolsAndResumesWhenTheTotalDrops() {
        EmbeddedChannel first = channel();
        EmbeddedChannel second = channel();
        setWritable(first, false);
        assertThat(support.service.spoolOf(first).offer(fragment(600, 1))).isEqualTo(OfferResult.ACCEPTED);
        first.runPendingTasks();
        ConnectionSpool spool = support.service.spoolOf(second);
        ByteBuf refused = fragment(600, 2);
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.WOULD_BLOCK);
        assertThat(support.counter("spoolkv.spool.global.cap.rejections")).isEqualTo(1);
        assertThat(spool.depthBytes()).as("a globally refused fragment leaves no local depth").isZero();
        AtomicInteger resumed = new AtomicInteger();
        spool.resumeWhenDrained(resumed::incrementAndGet);
        sleep(50);
        assertThat(resumed).hasValue(0);

        setWritable(first, true); // the first spool drains and returns its bytes to the global budget

        await().atMost(Duration.ofSeconds(2)).untilAtomic(resumed, org.hamcrest.Matchers.equalTo(1));
        assertThat(spool.offer(refused)).isEqualTo(OfferResult.ACCEPTED);
        second.runPendingTasks();
        assertThat(support.service.totals().depthBytes()).isZero();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
