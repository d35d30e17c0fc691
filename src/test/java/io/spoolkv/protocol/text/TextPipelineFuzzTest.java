package io.spoolkv.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.store.MutableClock;
import io.spoolkv.testsupport.FuzzRuns;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Property-based fuzzing of the text protocol's decoder, parser, handler and encoder on one connection
 * ({@link FuzzPipeline}: the real pipeline pieces on an {@code EmbeddedChannel}). Seeded and replayable, see
 * {@link FuzzRuns}; {@code -Dfuzz.tries=N} runs N tries of each property instead of the default.
 */
class TextPipelineFuzzTest {

    /**
     * A pending data block or skipped block of up to this many bytes is completed by the resync filler;
     * a stream that announces more may legitimately still be inside a block when the sentinel arrives.
     */
    static final int RESYNC_CAP = 256 * 1024;

    /**
     * Property: valid streams of every command kind, mutated (flipped, inserted and deleted bytes, truncation,
     * huge and negative numbers, control bytes, very long tokens) and written in random pieces never raise an
     * exception in the pipeline, never leak a buffer, send only well-formed memcached replies, and leave the
     * connection either closed or in step: after a CRLF (ending any partial line) and enough {@code mn}s to
     * complete any data block the stream may have announced, a final {@code mn} is answered {@code MN}.
     */
    @Test
    void mutatedStreamsSplitAnywhereStayInStepOrClose() {
        AtomicInteger strict = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        int tries = FuzzRuns.check("mutated streams", 3000, random -> {
            RequestStreams gen = new RequestStreams(random, FuzzPipeline.MAX_ITEM_SIZE);
            byte[] stream = gen.mutate(gen.validStream(1 + random.nextInt(30), true, true));
            long pending = largestLength(stream);
            boolean resyncable = pending <= RESYNC_CAP;
            byte[] resync = resync(Math.max(FuzzPipeline.MAX_ITEM_SIZE, resyncable ? pending : 0) + 2);
            try (FuzzPipeline pipeline = new FuzzPipeline(MutableClock.atDefaultStart())) {
                pipeline.write(stream, gen.splits(stream.length));
                pipeline.write(resync, gen.splits(resync.length));
                List<String> replies = ReplyStream.parse(pipeline.output());
                if (!pipeline.isOpen()) {
                    closed.incrementAndGet();
                } else if (resyncable) {
                    strict.incrementAndGet();
                    assertThat(replies).as("replies to %s", ReplyStream.printable(ascii(stream))).isNotEmpty();
                    assertThat(replies.get(replies.size() - 1)).as("last reply, to the sentinel, after %s",
                            ReplyStream.printable(ascii(stream))).isEqualTo("MN");
                }
            }
        });
        System.out.printf("mutated streams: %d tries, %d checked in step, %d closed, %d still inside a large block%n",
                tries, strict.get(), closed.get(), tries - strict.get() - closed.get());
        // The in-step check must not be vacuous: most mutated streams stay open and announce no huge block.
        assertThat(strict.get()).as("tries whose sentinel was checked").isGreaterThan(tries / 2);
    }

    /**
     * Property (differential): a valid pipeline of commands gives byte-for-byte the same replies whether it
     * arrives in one write or cut at random points into many, on two connections to two stores in the same
     * state; and a sentinel after it is answered (a valid stream never desynchronises).
     */
    @Test
    void validPipelinesSplitAtRandomPointsAnswerAsUnsplit() {
        FuzzRuns.check("split vs unsplit", 1000, random -> {
            RequestStreams gen = new RequestStreams(random, FuzzPipeline.MAX_ITEM_SIZE);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(gen.validStream(1 + random.nextInt(40), false, false));
            out.writeBytes(RequestStreams.ascii("mn\r\n"));
            byte[] stream = out.toByteArray();
            byte[] whole;
            byte[] pieces;
            try (FuzzPipeline pipeline = new FuzzPipeline(MutableClock.atDefaultStart())) {
                pipeline.write(stream, new int[0]);
                whole = pipeline.output();
                assertThat(pipeline.isOpen()).isTrue();
            }
            try (FuzzPipeline pipeline = new FuzzPipeline(MutableClock.atDefaultStart())) {
                pipeline.write(stream, gen.splits(stream.length));
                pieces = pipeline.output();
                assertThat(pipeline.isOpen()).isTrue();
            }
            List<String> replies = ReplyStream.parse(whole);
            assertThat(replies.get(replies.size() - 1)).isEqualTo("MN");
            assertThat(ascii(pieces)).as("replies to %s", ReplyStream.printable(ascii(stream)))
                    .isEqualTo(ascii(whole));
        });
    }

    /**
     * Found by {@link #mutatedStreamsSplitAnywhereStayInStepOrClose}: {@code ma} with a TTL that expires the
     * item at once ({@code T-1}) made the handler throw a NullPointerException (the return flags were read from
     * the item after the touch, which was gone) and closed the connection. It now answers and stays in step; the
     * item has no time left, so {@code t0}, and the next {@code ma} finds nothing. memcached 1.6.18 answers the
     * same bytes with {@code t} and an unsigned 32-bit underflow of its internal clock, 2^32 - (61 + its uptime
     * in seconds), e.g. {@code t4294967234} one second after start (docs/compatibility.md, Differences).
     */
    @Test
    void maWithAnExpiringTtlAnswersAndStaysInStep() {
        try (FuzzPipeline pipeline = new FuzzPipeline(MutableClock.atDefaultStart())) {
            byte[] stream = RequestStreams.ascii("set n 0 0 1\r\n5\r\nma n T-1 t v\r\nma n T-1\r\n"
                    + "set n 0 0 1\r\n5\r\nmg n T-1 t v\r\nmg n v\r\nmn\r\n");
            pipeline.write(stream, new int[0]);
            assertThat(ascii(pipeline.output())).isEqualTo("STORED\r\nVA 1 t0\r\n6\r\nNF\r\n"
                    + "STORED\r\nVA 1 t0\r\n5\r\nEN\r\nMN\r\n");
            assertThat(pipeline.isOpen()).isTrue();
        }
    }

    /**
     * A resync that completes a pending block of up to {@code blockBytes}: CRLF (ending a partial line), then
     * {@code mn} lines padded with spaces to 1 KiB (one reply per KiB; wherever the block ends, the rest of
     * that line is answered ERROR and the next line MN), then the sentinel {@code mn}.
     */
    static byte[] resync(long blockBytes) {
        String padded = "mn" + " ".repeat(1020) + "\r\n";
        return RequestStreams.ascii("\r\n" + padded.repeat((int) (blockBytes / padded.length()) + 1) + "mn\r\n");
    }

    /**
     * The largest decimal number in {@code stream} that the parser would take as a data length (at most
     * {@code Integer.MAX_VALUE - 2}; larger ones are refused as a bad format, with no block to skip).
     */
    static long largestLength(byte[] stream) {
        long largest = 0;
        int i = 0;
        while (i < stream.length) {
            if (!Character.isDigit(stream[i])) {
                i++;
                continue;
            }
            long value = 0;
            for (; i < stream.length && Character.isDigit(stream[i]); i++) {
                value = value > Long.MAX_VALUE / 10 ? Long.MAX_VALUE : value * 10 + (stream[i] - '0');
                value = value < 0 ? Long.MAX_VALUE : value;
            }
            if (value <= Integer.MAX_VALUE - 2) {
                largest = Math.max(largest, value);
            }
        }
        return largest;
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
