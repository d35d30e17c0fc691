package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A drain pass copies runs of small fragments into one buffer and writes larger fragments as offered (zero
 * copy), without changing the byte order, and releases every fragment it copied at once. On an EmbeddedChannel,
 * so each written message can be looked at.
 */
class DrainMergeTest {

    private static final int SMALL = ConnectionSpool.MERGE_MAX_FRAGMENT_BYTES;
    private static final int BUFFER = ConnectionSpool.MERGE_MAX_BUFFER_BYTES;

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
        ByteBuf buf = Unpooled.directBuffer(size);
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

    /** The messages, in order, carry exactly the offered bytes in offer order; then releases them. */
    private void assertPatternAndRelease(List<ByteBuf> out) {
        int expected = 0;
        for (ByteBuf b : out) {
            for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
                assertThat(b.getByte(i)).as("byte %d", expected).isEqualTo((byte) expected);
                expected++;
            }
            b.release();
        }
        assertThat(expected).as("bytes written").isEqualTo(next);
        assertThat(spool.depthBytes()).isZero();
    }

    @Test
    void aRunOfSmallFragmentsIsWrittenAsOneBufferAndEachFragmentIsReleasedAtOnce() {
        for (int i = 0; i < 100; i++) {
            offer(64);
        }
        List<ByteBuf> out = drain();

        assertThat(out).hasSize(1);
        assertThat(out.get(0).readableBytes()).isEqualTo(6400);
        // The merged buffer grows by doubling from its first two fragments: under twice the bytes it carries.
        assertThat(out.get(0).capacity()).isLessThanOrEqualTo(2 * 6400);
        assertThat(offered).allSatisfy(f -> assertThat(f.refCnt()).as("copied fragment released").isZero());
        assertPatternAndRelease(out);
        assertThat(support.counter("spoolkv.spool.fragments.offered")).isEqualTo(100);
        assertThat(spool.bytesSent()).isEqualTo(6400);
    }

    @Test
    void largeFragmentsAreWrittenAsOfferedAndALoneSmallOneIsNotCopied() {
        offer(10);
        offer(SMALL);
        ByteBuf large = offer(SMALL + 1);
        ByteBuf lone = offer(7);
        ByteBuf large2 = offer(4 * BUFFER);
        List<ByteBuf> out = drain();

        assertThat(out).hasSize(4);
        assertThat(out.get(0).readableBytes()).isEqualTo(10 + SMALL);
        assertThat(out.get(1)).as("zero copy above the merge size").isSameAs(large);
        assertThat(out.get(2)).as("a small fragment with no small neighbour is not copied").isSameAs(lone);
        assertThat(out.get(3)).isSameAs(large2);
        assertPatternAndRelease(out);
    }

    @Test
    void aMergedBufferStopsAtItsMaximumAndTheNextSmallFragmentStartsAnother() {
        int fragments = BUFFER / SMALL + 4;
        for (int i = 0; i < fragments; i++) {
            offer(SMALL);
        }
        List<ByteBuf> out = drain();

        assertThat(out).extracting(ByteBuf::readableBytes).containsExactly(BUFFER, 4 * SMALL);
        assertThat(out).allSatisfy(b -> assertThat(b.capacity()).isLessThanOrEqualTo(BUFFER));
        assertPatternAndRelease(out);
    }

    @Test
    void aRunDoesNotCrossTheEndOfAPass() {
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
        assertPatternAndRelease(out);
    }
}
