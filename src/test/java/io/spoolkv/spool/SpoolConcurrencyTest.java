package io.spoolkv.spool;

import static io.spoolkv.spool.SpoolTestSupport.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.spoolkv.config.SpoolProperties.Mode;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many producer threads per connection offer numbered frames into real loopback connections while the clients
 * pause at random (the channels flip writability) and some connections are closed at random. Every frame that
 * arrives must arrive once and in order per producer; a connection left open must deliver everything; no
 * buffer may leak; every depth and the global total must end at zero.
 */
class SpoolConcurrencyTest {

    private static final int PRODUCERS = 4;
    private static final int FRAMES = 1500;
    private static final int HEADER = 1 + 4 + 2;

    /**
     * The two shapes: small frames under a global cap equal to one spool's high watermark (the two connections also
     * fight over the global cap), and frames up to 4 KiB with a 64 KiB spool over a channel that turns unwritable
     * at 32 KiB, where a drain pass returns its bytes in two groups (16 KiB each), so groups in flight meet pauses,
     * parks and closes. The channel's bound is below the spool's so that a pausing reader makes it unwritable: the
     * depth counts the channel's outbound bytes too, so a channel bound at the spool's would hardly ever be reached.
     */
    enum Shape {
        SMALL_FRAMES_SHARED_CAP(16 * 1024, 4 * 1024, 16 * 1024, 1024, 4096, 200),
        LARGE_FRAMES_SEVERAL_GROUPS_PER_PASS(64 * 1024, 16 * 1024, 64 * 1024, 8 * 1024, 32 * 1024, 4096);

        final int high, low, globalCap, channelLow, channelHigh, maxPayload;

        Shape(int high, int low, int globalCap, int channelLow, int channelHigh, int maxPayload) {
            this.high = high;
            this.low = low;
            this.globalCap = globalCap;
            this.channelLow = channelLow;
            this.channelHigh = channelHigh;
            this.maxPayload = maxPayload;
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void framesArriveOnceAndInOrderUnderRandomPausesAndCloses(Shape shape) throws Exception {
        try (SpoolTestSupport support = new SpoolTestSupport(
                props(Mode.SPOOLED, shape.high, shape.low, shape.globalCap), 2)) {
            WritabilityCounter flips = new WritabilityCounter();
            try (LoopbackServer server = new LoopbackServer(support.service, flips, shape.channelLow,
                    shape.channelHigh, 4096)) {
                for (int round = 0; round < Integer.getInteger("rounds", 4); round++) {
                    runRound(support, server, round % 2 == 1, shape.maxPayload);
                }
            }
            assertThat(flips.unwritable.get()).as("the channels did become unwritable").isPositive();
            assertThat(support.counter("spoolkv.spool.would.block")).isPositive();
            if (shape == Shape.SMALL_FRAMES_SHARED_CAP) {
                assertThat(support.counter("spoolkv.spool.global.cap.rejections")).isPositive();
            } else {
                // The flush-latency timer records once per group: more groups than passes means passes did split.
                assertThat((double) support.registry.get("spoolkv.spool.flush.latency").timer().count())
                        .as("groups taken (latency samples) against drain passes")
                        .isGreaterThan(support.counter("spoolkv.spool.drain.passes"));
            }
        }
    }

    private void runRound(SpoolTestSupport support, LoopbackServer server, boolean closeOne, int maxPayload)
            throws Exception {
        Queue<ByteBuf> allocated = new ConcurrentLinkedQueue<>();
        List<Connection> connections = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            Socket socket = server.connect(4096);
            Channel channel = server.accept();
            connections.add(new Connection(socket, support.service.spoolOf(channel), allocated, maxPayload));
        }
        connections.forEach(Connection::start);
        if (closeOne) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(5, 60));
            connections.get(0).spool.channel().close();
        }
        for (Connection connection : connections) {
            connection.join();
        }
        for (int i = 0; i < connections.size(); i++) {
            Connection connection = connections.get(i);
            assertThat(connection.failure).as("producer/reader failure").isNull();
            assertThat(connection.reader.badFrames).as("frames out of order, duplicated or corrupt").isEmpty();
            if (!(closeOne && i == 0)) {
                assertThat(connection.reader.next).as("every frame of every producer arrived")
                        .containsOnly(FRAMES);
            }
            connection.socket.close();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(support.service.totals().depthBytes()).isZero();
            assertThat(support.service.totals().depthFragments()).isZero();
            for (Connection connection : connections) {
                assertThat(connection.spool.depthBytes()).isZero();
                assertThat(connection.spool.depthFragments()).isZero();
            }
            assertThat(allocated).allSatisfy(buf -> assertThat(buf.refCnt()).isZero());
        });
    }

    /** One server connection: its producers, and the client socket's reader. */
    private static final class Connection {
        final Socket socket;
        final ConnectionSpool spool;
        final Queue<ByteBuf> allocated;
        final int maxPayload;
        final List<Thread> producers = new ArrayList<>();
        final Reader reader;
        volatile Throwable failure;

        Connection(Socket socket, ConnectionSpool spool, Queue<ByteBuf> allocated, int maxPayload) {
            this.socket = socket;
            this.spool = spool;
            this.allocated = allocated;
            this.maxPayload = maxPayload;
            this.reader = new Reader(socket);
        }

        void start() {
            reader.start();
            for (int p = 0; p < PRODUCERS; p++) {
                int id = p;
                Thread t = new Thread(() -> produce(id), "producer-" + p);
                producers.add(t);
                t.start();
            }
        }

        void join() throws InterruptedException {
            for (Thread t : producers) {
                t.join(60_000);
                assertThat(t.isAlive()).as("producer finished").isFalse();
            }
            reader.join(60_000);
            assertThat(reader.isAlive()).as("reader finished").isFalse();
            if (reader.failure != null) {
                failure = reader.failure;
            }
        }

        private void produce(int id) {
            try {
                ByteBuf held = null;
                for (int seq = 0; seq < FRAMES; ) {
                    ByteBuf frame = held != null ? held : frame(id, seq);
                    held = null;
                    OfferResult result = spool.offer(frame);
                    if (result == OfferResult.ACCEPTED) {
                        seq++;
                    } else if (result == OfferResult.CLOSED) {
                        return;
                    } else {
                        held = frame; // still ours
                        CountDownLatch resumed = new CountDownLatch(1);
                        if (!spool.resumeWhenDrained(resumed::countDown)) {
                            held.release();
                            return;
                        }
                        if (!resumed.await(30, TimeUnit.SECONDS)) { // a lost wakeup, not a slow machine: generous on a loaded 2-core box
                            held.release();
                            throw new AssertionError("producer " + id + " never resumed");
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private ByteBuf frame(int id, int seq) {
            int length = ThreadLocalRandom.current().nextInt(0, maxPayload);
            ByteBuf buf = spool.alloc().buffer(HEADER + length);
            allocated.add(buf);
            buf.writeByte(id).writeInt(seq).writeShort(length);
            for (int i = 0; i < length; i++) {
                buf.writeByte(seq * 7 + i + id);
            }
            return buf;
        }
    }

    /** Parses frames and checks each producer's sequence; pauses at random so the server's channel fills. */
    private static final class Reader extends Thread {
        final Socket socket;
        final int[] next = new int[PRODUCERS];
        final List<String> badFrames = new ArrayList<>();
        volatile Throwable failure;

        Reader(Socket socket) {
            super("reader");
            this.socket = socket;
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 512))) {
                int remaining = PRODUCERS * FRAMES;
                while (remaining > 0) {
                    int id = in.readUnsignedByte();
                    int seq = in.readInt();
                    int length = in.readUnsignedShort();
                    for (int i = 0; i < length; i++) {
                        if (in.readByte() != (byte) (seq * 7 + i + id)) {
                            badFrames.add("corrupt " + id + "/" + seq);
                            return;
                        }
                    }
                    if (id >= PRODUCERS || seq != next[id]) {
                        badFrames.add("producer " + id + " expected " + (id < PRODUCERS ? next[id] : -1) + " got " + seq);
                        return;
                    }
                    next[id]++;
                    remaining--;
                    if (random.nextInt(400) == 0) {
                        Thread.sleep(random.nextInt(1, 15));
                    }
                }
            } catch (EOFException | java.net.SocketException closed) {
                // the connection was closed under us: what arrived so far was checked
            } catch (IOException | InterruptedException e) {
                failure = e;
            }
        }
    }

    @ChannelHandler.Sharable
    private static final class WritabilityCounter extends ChannelInboundHandlerAdapter {
        final AtomicInteger unwritable = new AtomicInteger();

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!ctx.channel().isWritable()) {
                unwritable.incrementAndGet();
            }
            ctx.fireChannelWritabilityChanged();
        }
    }
}
