package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A drain pass hands a run of small fragments to the channel as one composite of the offered buffers themselves
 * (no copy), which owns them until the channel releases it after the write; larger fragments go as offered. Order
 * and the group's bounds hold. On an EmbeddedChannel, so each written message can be looked at.
 */
class DrainGroupTest {

    private static final int SMALL = ConnectionSpool.GROUP_MAX_FRAGMENT_BYTES;
    private static final int GROUP_BYTES = ConnectionSpool.GROUP_MAX_BYTES;
    private static final int GROUP_FRAGMENTS = ConnectionSpool.GROUP_MAX_FRAGMENTS;

    private final SpoolTestSupport support = new SpoolTestSupport(props(Mode.SPOOLED, 1024 * 1024, 256 * 1024,
            4 * 1024 * 1024));
    private final EmbeddedChannel ch = new EmbeddedChannel(support.service.channelHandler());
    private final ConnectionSpool spool = support.service.spoolOf(ch);
    private final List<ByteBuf> offered = new ArrayList<>();
    private int next; // the pattern continues across fragments, so any reordering shows in the bytes

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        support.close();
    }

    private ByteBuf offer(int size) {
        ByteBuf buf = Unpooled.directBuffer(size, size); // capacity == size: a composite keeps the instance itself
        for (int i = 0; i < size; i++) {
            buf.writeByte(next++);
        }
        offered.add(buf);
        assertThat(spool.offer(buf)).isEqualTo(OfferResult.ACCEPTED);
        return buf;
    }

    private List<ByteBuf> drain() {
        ch.runPendingTasks();
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.add(b);
        }
        return out;
    }

    /**
     * The written messages, in order, consist of exactly the offered buffer instances in offer order (a group's
     * components are the offered buffers, nothing copied), and carry the offered bytes in order.
     */
    private void assertSameBuffersInOrder(List<ByteBuf> out) {
        List<ByteBuf> reached = new ArrayList<>();
        for (ByteBuf b : out) {
            if (b instanceof CompositeByteBuf group) {
                for (int i = 0; i < group.numComponents(); i++) {
                    reached.add(group.internalComponent(i));
                }
            } else {
                reached.add(b);
            }
        }
        assertThat(reached).as("the offered buffers themselves, in offer order").hasSameSizeAs(offered);
        for (int i = 0; i < offered.size(); i++) {
            assertThat(reached.get(i)).as("fragment %d", i).isSameAs(offered.get(i));
        }
        int expected = 0;
        for (ByteBuf b : out) {
            for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
                assertThat(b.getByte(i)).as("byte %d", expected).isEqualTo((byte) expected);
                expected++;
            }
        }
        assertThat(expected).as("bytes written").isEqualTo(next);
    }

    /** Releases what the channel wrote (as Netty does after the write): every offered fragment must go with it. */
    private void releaseAndCheck(List<ByteBuf> out) {
        out.forEach(ByteBuf::release);
        assertThat(offered).allSatisfy(f -> assertThat(f.refCnt()).as("released with its message").isZero());
        assertThat(spool.depthBytes()).isZero();
    }

    @Test
    void aRunOfSmallFragmentsIsOneMessageHoldingTheSameBuffersReleasedOnlyWithIt() {
        for (int i = 0; i < 100; i++) {
            offer(64);
        }
        List<ByteBuf> out = drain();

        assertThat(out).hasSize(1);
        assertThat(out.get(0)).isInstanceOf(CompositeByteBuf.class);
        assertThat(out.get(0).readableBytes()).isEqualTo(6400);
        assertSameBuffersInOrder(out);
        // Not released when grouped nor when the drain finished: the message owns them until it is released.
        assertThat(offered).allSatisfy(f -> assertThat(f.refCnt()).as("alive until the write is done").isOne());
        releaseAndCheck(out);
        assertThat(support.counter("spoolkv.spool.fragments.offered")).isEqualTo(100);
        assertThat(spool.bytesSent()).isEqualTo(6400);
    }

    @Test
    void largeFragmentsAndALoneSmallOneAreWrittenAsOffered() {
        offer(10);
        offer(SMALL);
        ByteBuf large = offer(SMALL + 1);
        ByteBuf lone = offer(7);
        ByteBuf large2 = offer(4 * GROUP_BYTES);
        List<ByteBuf> out = drain();

        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isInstanceOf(CompositeByteBuf.class);
        assertThat(((CompositeByteBuf) out.get(0)).numComponents()).isEqualTo(2);
        assertThat(out.get(1)).as("above the group size: written as offered").isSameAs(large);
        assertThat(out.get(2)).as("a small fragment with no small neighbour: written as offered").isSameAs(lone);
        assertThat(out.get(3)).isSameAs(large2);
        assertSameBuffersInOrder(out);
        releaseAndCheck(out);
    }

    @Test
    void aGroupStopsAtItsByteBound() {
        int fragments = GROUP_BYTES / SMALL + 4;
        for (int i = 0; i < fragments; i++) {
            offer(SMALL);
        }
        List<ByteBuf> out = drain();

        assertThat(out).extracting(ByteBuf::readableBytes).containsExactly(GROUP_BYTES, 4 * SMALL);
        assertSameBuffersInOrder(out);
        releaseAndCheck(out);
    }

    @Test
    void aGroupStopsAtItsFragmentBoundWithoutConsolidating() {
        // Past its maximum component count a CompositeByteBuf would copy its components into one buffer; the
        // group closes first, so every component is still an offered buffer (checked in assertSameBuffersInOrder).
        int fragments = GROUP_FRAGMENTS + 10;
        for (int i = 0; i < fragments; i++) {
            offer(8);
        }
        List<ByteBuf> out = drain();

        assertThat(out).extracting(b -> ((CompositeByteBuf) b).numComponents()).containsExactly(GROUP_FRAGMENTS, 10);
        assertSameBuffersInOrder(out);
        releaseAndCheck(out);
    }

    @Test
    void aGroupDoesNotCrossTheEndOfAPass() {
        // A finish marker ends the pass: what came before it is written and flushed before its callback runs.
        offer(8);
        offer(8);
        int[] bytesOutAtFinish = new int[1];
        spool.finish(() -> bytesOutAtFinish[0] = ch.outboundMessages().stream()
                .mapToInt(m -> ((ByteBuf) m).readableBytes()).sum());
        offer(8);
        offer(8);
        List<ByteBuf> out = drain();

        assertThat(bytesOutAtFinish[0]).isEqualTo(16);
        assertThat(out).extracting(ByteBuf::readableBytes).containsExactly(16, 16);
        assertSameBuffersInOrder(out);
        releaseAndCheck(out);
    }
}
