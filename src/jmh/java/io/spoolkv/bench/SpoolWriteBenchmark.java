package io.spoolkv.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.OfferResult;
import io.spoolkv.spool.ResumeExecutor;
import io.spoolkv.spool.SpoolService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.springframework.util.unit.DataSize;

/**
 * Moves fragments produced off the event loop to a real loopback socket, four ways, and measures fragments
 * per second as the producers see them. A reader thread on the other end drains the socket with a blocking
 * {@code read} and counts bytes.
 *
 * <p>Every variant is bounded the same way, so the producer's rate is the delivery rate (no variant can win by
 * queueing): the spool by its own high watermark (1 MiB, producer parks on would-block until the spool's
 * resume callback, which runs on the {@link BackgroundExecutor} as in production); the plain Netty variants by
 * the channel's write-buffer watermark (256 KiB / 1 MiB, producer parks while the channel is unwritable until
 * {@code channelWritabilityChanged}).
 *
 * <p>One op = one fragment (allocated from the channel's pooled allocator, filled with {@code size} bytes,
 * handed over). Run with {@code -prof io.spoolkv.bench.WriteCostProfiler} for CPU per fragment and event-loop
 * tasks per fragment, the figures the scheduler blurs least.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// Producers on FastThreadLocalThreads, as spoolkv's background threads are (see FastThreadLocalExecutor).
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.spoolkv.bench.FastThreadLocalExecutor"})
public class SpoolWriteBenchmark {

    /** Flush period of the write + flush-every-N baseline. */
    public static final int FLUSH_EVERY = 32;
    /** Fragments handed over by all producers, all variants; {@link WriteCostProfiler} reads it. */
    static final LongAdder FRAGMENTS = new LongAdder();
    /**
     * Producer waits for room (spool: a would-block; Netty paths: the channel unwritable), the wall time they
     * spent parked, and the bytes still pending when each wait ended (spool: its depth; Netty paths: the
     * channel's outbound buffer): how much was left in the pipe when the producer got going again.
     * {@link WriteCostProfiler} reads them.
     */
    static final LongAdder WAITS = new LongAdder();
    static final LongAdder WAIT_NANOS = new LongAdder();
    static final LongAdder PENDING_AT_WAKE = new LongAdder();
    static final String READER_THREAD = "bench-reader";

    public enum Variant {
        /** {@code channel.writeAndFlush} per fragment from the producer thread. */
        WRITE_AND_FLUSH,
        /** {@code channel.write} per fragment and {@code channel.flush()} every {@link #FLUSH_EVERY}. */
        WRITE_FLUSH_N,
        /** WRITE_AND_FLUSH with Netty's FlushConsolidationHandler(256, consolidateWhenNoReadInProgress=true). */
        FLUSH_CONSOLIDATION,
        /** {@link ConnectionSpool#offer} (SpoolService, spooled mode). */
        SPOOL
    }

    @Param({"64", "1024", "16384"})
    public int size;

    @Param({"WRITE_AND_FLUSH", "WRITE_FLUSH_N", "FLUSH_CONSOLIDATION", "SPOOL"})
    public Variant variant;

    /**
     * 0 (the default): producers hand over as fast as the bound lets them. Above 0, each producer sleeps this many
     * microseconds after every {@link #burst} fragments, like a watch stream: the drain then sees short runs, and
     * throughput is set by the pacing, so compare the CPU and task figures.
     */
    @Param({"0"})
    public int pauseMicros;

    @Param({"8"})
    public int burst;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BackgroundExecutor executor;
    private SpoolService service;
    private EventLoopGroup group;
    private Channel listener;
    private Channel child;
    private ConnectionSpool spool;
    private SocketChannel client;
    private Thread reader;
    private volatile boolean stopping;
    private final AtomicLong received = new AtomicLong();
    private final Queue<Thread> writabilityWaiters = new ConcurrentLinkedQueue<>();
    private byte[] payload;
    private String transport;

    // drain-pass accounting over measurement iterations only
    private double passesAtStart;
    private double fragmentsAtStart;
    private double measuredPasses;
    private double measuredFragments;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        executor = new BackgroundExecutor(new BackgroundProperties(2, 1024, DataSize.ofKilobytes(16)), registry);
        // spoolkv's defaults (SpoolProperties); -Dbench.highWater=... etc. only for experiments
        SpoolProperties properties = new SpoolProperties(SpoolProperties.Mode.SPOOLED,
                DataSize.parse(System.getProperty("bench.highWater", "1MB")),
                DataSize.parse(System.getProperty("bench.lowWater", "256KB")), DataSize.ofMegabytes(64),
                Integer.getInteger("bench.drainMaxFragments", 1024), DataSize.ofMegabytes(1),
                Duration.ofSeconds(360));
        // -Dbench.resume=direct: the resume callback (which only unparks the producer) runs on the thread that
        // found the room, instead of as a task on the background executor; an experiment, see spool-performance.md
        ResumeExecutor resume = "direct".equals(System.getProperty("bench.resume")) ? Runnable::run : executor;
        service = new SpoolService(properties, registry, resume);

        IoHandlerFactory factory;
        Class<? extends ServerChannel> serverChannel;
        if (Epoll.isAvailable()) {
            factory = EpollIoHandler.newFactory();
            serverChannel = EpollServerSocketChannel.class;
            transport = "epoll";
        } else {
            factory = NioIoHandler.newFactory();
            serverChannel = NioServerSocketChannel.class;
            transport = "nio";
        }
        group = new TaskCountingEventLoopGroup(factory);
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        listener = new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(service.channelHandler()); // as in MemcachedChannelInitializer
                        if (variant == Variant.FLUSH_CONSOLIDATION) {
                            // -Dbench.fchFlushes=N: the handler's flush batch (Netty's default 256); an experiment
                            ch.pipeline().addLast(new FlushConsolidationHandler(Integer.getInteger("bench.fchFlushes",
                                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES), true));
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                accepted.complete(ctx.channel());
                                ctx.fireChannelActive();
                            }

                            @Override
                            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                                if (ctx.channel().isWritable()) {
                                    Thread t;
                                    while ((t = writabilityWaiters.poll()) != null) {
                                        LockSupport.unpark(t);
                                    }
                                }
                                ctx.fireChannelWritabilityChanged();
                            }
                        });
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();

        client = SocketChannel.open((InetSocketAddress) listener.localAddress());
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        child = accepted.get(10, TimeUnit.SECONDS);
        spool = service.spoolOf(child);
        reader = new Thread(this::readLoop, READER_THREAD);
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
        try {
            while (!stopping) {
                int n = client.read(buffer);
                if (n < 0) {
                    return;
                }
                received.addAndGet(n);
                buffer.clear();
            }
        } catch (IOException e) {
            if (!stopping) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Setup(Level.Iteration)
    public void beforeIteration() {
        passesAtStart = counter("spoolkv.spool.drain.passes");
        fragmentsAtStart = counter("spoolkv.spool.fragments.offered");
    }

    @TearDown(Level.Iteration)
    public void afterIteration(IterationParams iteration) {
        child.flush(); // what WRITE_FLUSH_N producers wrote since their last flush
        if (iteration.getType() == IterationType.MEASUREMENT) {
            measuredPasses += counter("spoolkv.spool.drain.passes") - passesAtStart;
            measuredFragments += counter("spoolkv.spool.fragments.offered") - fragmentsAtStart;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) throws Exception {
        String out = System.getProperty("bench.sideFile");
        if (out != null) {
            double per1000 = measuredFragments == 0 ? 0 : 1000.0 * measuredPasses / measuredFragments;
            String line = String.format(java.util.Locale.ROOT, "%s,%s,%d,%d,%s,%.0f,%.0f,%.3f,%.0f,%.0f%n",
                    params.getBenchmark(), variant, size, params.getThreads(), transport,
                    measuredPasses, measuredFragments, per1000, counter("spoolkv.spool.would.block"),
                    counter("spoolkv.spool.resumes"));
            Files.writeString(Path.of(out), line, StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        stopping = true;
        child.close().sync();
        client.close();
        reader.join(5_000);
        listener.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        service.close();
        executor.shutdown();
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    /** Per-producer state: the flush-every-N counter, the fragments since the last pause. */
    @State(Scope.Thread)
    public static class Producer {
        int sinceFlush;
        int sincePause;
    }

    @Benchmark
    @Threads(1)
    public void producers1(Producer producer) {
        send(producer);
    }

    @Benchmark
    @Threads(4)
    public void producers4(Producer producer) {
        send(producer);
    }

    private void send(Producer producer) {
        ByteBuf fragment = child.alloc().directBuffer(size);
        fragment.writeBytes(payload);
        switch (variant) {
            case WRITE_AND_FLUSH, FLUSH_CONSOLIDATION -> {
                awaitWritable(producer);
                child.writeAndFlush(fragment, child.voidPromise());
            }
            case WRITE_FLUSH_N -> {
                awaitWritable(producer);
                child.write(fragment, child.voidPromise());
                if (++producer.sinceFlush == FLUSH_EVERY) {
                    producer.sinceFlush = 0;
                    child.flush();
                }
            }
            case SPOOL -> offer(fragment);
            default -> throw new IllegalStateException();
        }
        FRAGMENTS.increment();
        if (pauseMicros > 0 && ++producer.sincePause == burst) {
            producer.sincePause = 0;
            LockSupport.parkNanos(pauseMicros * 1_000L);
        }
    }

    private void awaitWritable(Producer producer) {
        if (child.isWritable()) {
            return;
        }
        producer.sinceFlush = 0;
        Thread self = Thread.currentThread();
        long start = System.nanoTime();
        while (!child.isWritable() && child.isActive()) {
            // Flush on every turn, not only our own writes: another producer may have left written but
            // unflushed data behind (it stopped at the end of an iteration), and then writability never
            // comes back unless someone flushes.
            child.flush();
            writabilityWaiters.add(self);
            if (!child.isWritable()) {
                LockSupport.parkNanos(1_000_000); // the writability event unparks us; the timeout covers a race
            }
            writabilityWaiters.remove(self);
        }
        ChannelOutboundBuffer outbound = child.unsafe().outboundBuffer();
        endWait(start, outbound == null ? 0 : outbound.totalPendingWriteBytes());
    }

    private static void endWait(long startNanos, long pendingBytes) {
        WAIT_NANOS.add(System.nanoTime() - startNanos);
        WAITS.increment();
        PENDING_AT_WAKE.add(pendingBytes);
    }

    private void offer(ByteBuf fragment) {
        OfferResult result = spool.offer(fragment);
        if (result == OfferResult.WOULD_BLOCK) {
            long start = System.nanoTime();
            while (result == OfferResult.WOULD_BLOCK) {
                Thread self = Thread.currentThread();
                if (spool.resumeWhenDrained(() -> LockSupport.unpark(self))) {
                    LockSupport.parkNanos(1_000_000);
                }
                result = spool.offer(fragment);
            }
            endWait(start, spool.depthBytes() - size); // without the fragment just accepted
        }
        if (result == OfferResult.CLOSED) {
            throw new IllegalStateException("spool closed");
        }
    }
}
