package io.spoolkv.background;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.Item;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The producer's offer loop against a spool on an EmbeddedChannel. The embedded "event loop" is not thread
 * safe, so the test runs its tasks only while the background executor is idle.
 */
class StreamingTaskTest {

    private static final int CHUNK = 1024;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HoldingExecutor executor = new HoldingExecutor(registry, CHUNK);
    // High watermark = one chunk: every second offer is refused, so the task pauses and resumes each chunk.
    private final SpoolService service = new SpoolService(new SpoolProperties(SpoolProperties.Mode.SPOOLED,
            DataSize.ofBytes(CHUNK), DataSize.ofBytes(256), DataSize.ofKilobytes(64), 256, DataSize.ofMegabytes(1),
            Duration.ofSeconds(30)), registry, executor);
    private final EmbeddedChannel channel = new EmbeddedChannel(service.channelHandler());
    private final ConnectionSpool spool = service.spoolOf(channel);

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        executor.shutdown();
    }

    @Test
    void streamsEveryChunkOncePausingAndResumingWithTheKeptChunk() {
        executor.holdContinuations = true;
        CountDownLatch done = new CountDownLatch(1);
        CountingTask task = new CountingTask(5, done::countDown);
        assertThat(task.start()).isTrue();
        assertThat(spool.command()).isEqualTo("count");

        CompositeByteBuf received = Unpooled.compositeBuffer(64);
        try {
            receiveUntil(done, received);
            assertThat(done.getCount()).as("end-of-stream callback ran").isZero();
            assertThat(task.fills).hasValue(5);
            // The watermark is one chunk and the loop drains only while the producer is parked, so every
            // chunk after the first is refused once, and each refusal is followed by exactly one resume.
            assertThat(registry.get("spoolkv.spool.would.block").counter().count()).isEqualTo(4);
            assertThat(registry.get("spoolkv.spool.resumes").counter().count()).isEqualTo(4);
            assertThat(received.readableBytes()).isEqualTo(5 * CHUNK);
            for (int i = 0; i < 5 * CHUNK; i++) {
                assertThat(received.getByte(i)).isEqualTo((byte) (i / CHUNK));
            }
        } finally {
            received.release();
        }
        assertThat(spool.command()).isNull();
        assertThat(spool.depthBytes()).isZero();
    }

    @Test
    void pausedTaskStopsAndReleasesItsChunkWhenTheConnectionCloses() {
        CountDownLatch done = new CountDownLatch(1);
        // Unwritable, so the drain parks and chunk 1 stays queued (nothing frees room before the close).
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        channel.runPendingTasks();
        CountingTask task = new CountingTask(100, done::countDown);
        assertThat(task.start()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(spool::producerPaused);

        channel.close(); // releases the queued chunk 1 and resumes the task
        // The task offers its kept chunk 2, hears CLOSED (the spool releases it) and stops.
        await().atMost(Duration.ofSeconds(5)).until(() -> task.closed.get() == 1);
        awaitIdle();
        assertThat(channel.outboundMessages()).isEmpty();

        assertThat(task.closed).hasValue(1);
        assertThat(task.fills).hasValue(2);
        assertThat(task.chunks).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        assertThat(done.getCount()).isEqualTo(1);
        assertThat(spool.command()).isNull();
    }

    @Test
    void failingFillReleasesTheChunkAndClosesTheConnection() {
        CountingTask task = new CountingTask(3, () -> { }) {
            @Override
            protected boolean fill(ByteBuf chunk) {
                super.fill(chunk);
                throw new IllegalStateException("store went away");
            }
        };
        assertThat(task.start()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !channel.isOpen());
        awaitIdle();
        channel.runPendingTasks();
        assertThat(task.chunks).hasSize(1).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        assertThat(spool.command()).isNull();
    }

    @Test
    void startAnswersFalseWhenTheExecutorIsFull() {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        executor.trySubmit(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            await().atMost(Duration.ofSeconds(2)).until(() -> started.getCount() == 0);
            assertThat(new CountingTask(1, () -> { }).start()).isTrue(); // fills the one queue slot
            assertThat(new CountingTask(1, () -> { }).start()).isFalse();
        } finally {
            release.countDown();
        }
        awaitIdle();
        channel.runPendingTasks();
    }

    /**
     * Takes turns with a producer whose continuations are held until {@code done} counts down: drains the embedded
     * loop into {@code received} only while the producer is parked on a full spool or has returned its thread.
     */
    private void receiveUntil(CountDownLatch done, CompositeByteBuf received) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (done.getCount() > 0 && System.nanoTime() < deadline) {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(() ->
                    spool.producerPaused() || (spool.command() == null && executor.activeCount() == 0));
            channel.runPendingTasks(); // drain; the resume callback is held
            for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
                received.addComponent(true, out);
            }
            executor.releaseHeld(); // the producer runs again only now that we are off the loop
        }
    }

    /**
     * Property: the item-stream task pauses and resumes like any streaming task, sends every item once in order
     * then the end, and hands onDone how the stream ended (and never runs onClosed) once it was all written.
     */
    @Test
    void itemStreamSendsEveryItemThenHandsItsEndToOnDone() {
        executor.holdContinuations = true;
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<ItemStream.End> ended = new AtomicReference<>();
        AtomicInteger closedRuns = new AtomicInteger();
        List<Item> items = IntStream.range(0, 600).mapToObj(i -> LineFrames.item("k%03d".formatted(i))).toList();
        ItemStream stream = new ItemStream(LineFrames.cursor(items.iterator()), ItemLimits.NONE,
                new LineFrames(Set.of()));
        ItemStreamTask task = new ItemStreamTask(spool, executor, CHUNK, "items", stream, end -> {
            ended.set(end);
            done.countDown();
        }, closedRuns::incrementAndGet);
        assertThat(task.start()).isTrue();

        CompositeByteBuf received = Unpooled.compositeBuffer(64);
        try {
            receiveUntil(done, received);
            assertThat(ended).hasValue(ItemStream.End.COMPLETE);
            String expected = IntStream.range(0, 600).mapToObj("k%03d\n"::formatted).collect(Collectors.joining())
                    + "END COMPLETE\n";
            assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo(expected);
            assertThat(registry.get("spoolkv.spool.would.block").counter().count()).as("it paused").isPositive();
        } finally {
            received.release();
        }
        assertThat(closedRuns).hasValue(0);
        assertThat(spool.command()).isNull();
    }

    /** Property: an item stream whose connection closes while it is paused runs onClosed once, never onDone. */
    @Test
    void itemStreamClosedWhilePausedRunsOnClosedNotOnDone() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // nothing drains
        channel.runPendingTasks();
        AtomicInteger doneRuns = new AtomicInteger();
        AtomicInteger closedRuns = new AtomicInteger();
        List<Item> items = IntStream.range(0, 2000).mapToObj(i -> LineFrames.item("k%04d".formatted(i))).toList();
        ItemStreamTask task = new ItemStreamTask(spool, executor, CHUNK, "items",
                new ItemStream(LineFrames.cursor(items.iterator()), ItemLimits.NONE, new LineFrames(Set.of())),
                end -> doneRuns.incrementAndGet(), closedRuns::incrementAndGet);
        assertThat(task.start()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(spool::producerPaused);

        channel.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> closedRuns.get() == 1);
        awaitIdle();
        channel.runPendingTasks();
        assertThat(closedRuns).hasValue(1);
        assertThat(doneRuns).hasValue(0);
        assertThat(spool.command()).isNull();
    }

    private void awaitIdle() {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> executor.activeCount() == 0 && executor.queuedCount() == 0);
    }

    /** Writes {@code chunks} chunks; chunk i is filled with the byte i. */
    private class CountingTask extends StreamingTask {
        final int total;
        final AtomicInteger fills = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final List<ByteBuf> chunks = new ArrayList<>();

        CountingTask(int total, Runnable onDone) {
            super(spool, executor, CHUNK, "count", onDone);
            this.total = total;
        }

        @Override
        protected boolean fill(ByteBuf chunk) {
            chunks.add(chunk);
            int i = fills.getAndIncrement();
            chunk.writeBytes(new byte[CHUNK]).setZero(0, CHUNK);
            for (int b = 0; b < CHUNK; b++) {
                chunk.setByte(b, i);
            }
            return i + 1 < total;
        }

        @Override
        protected void onClosed() {
            closed.incrementAndGet();
        }
    }
}
