package io.spoolkv.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.OfferResult;
import io.spoolkv.spool.SpoolService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.util.unit.DataSize;

/**
 * The spool's own cost per fragment, without a socket: one thread offers a drain pass worth of pooled fragments
 * to a spool on an {@link EmbeddedChannel} (whose event loop is the calling thread), runs the drain, and a handler
 * in front of the channel's head takes each written fragment, releases it and completes its promise at once. So
 * what is measured is the offer (accounting, queue, clock, counters), the drain pass and the pass's completion,
 * plus the pooled allocation and release of the fragment; Netty's outbound buffer and the syscall are not in it.
 * One thread only, so it depends far less on how the machine's cores are shared than {@link SpoolWriteBenchmark}.
 * Run with {@code -prof io.spoolkv.bench.WriteCostProfiler}: {@code cost.cpu.producer} is the thread's CPU per
 * fragment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.spoolkv.bench.FastThreadLocalExecutor"})
public class SpoolOfferBenchmark {

    /**
     * Fragments per invocation: a drain pass at the previous {@code drainMaxFragments} default (256; now
     * 1024), kept so the figures compare with docs/spool-performance.md's.
     */
    static final int PASS = 256;

    @Param({"64", "1024"})
    public int size;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BackgroundExecutor executor;
    private SpoolService service;
    private EmbeddedChannel channel;
    private ConnectionSpool spool;
    private byte[] payload;

    @Setup(Level.Trial)
    public void setUp() {
        payload = new byte[size];
        executor = new BackgroundExecutor(new BackgroundProperties(1, 16, DataSize.ofKilobytes(16)), registry);
        service = new SpoolService(new SpoolProperties(SpoolProperties.Mode.SPOOLED, DataSize.ofMegabytes(1),
                DataSize.ofKilobytes(256), DataSize.ofMegabytes(64), PASS, DataSize.ofMegabytes(1),
                Duration.ofSeconds(360)), registry, executor);
        channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg); // the "socket" took it
                promise.trySuccess();
            }
        });
        spool = service.spoolOf(channel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        service.close();
        executor.shutdown();
    }

    @Benchmark
    @OperationsPerInvocation(PASS)
    public void offerAndDrainOnePass() {
        for (int i = 0; i < PASS; i++) {
            ByteBuf fragment = PooledByteBufAllocator.DEFAULT.directBuffer(size);
            fragment.writeBytes(payload);
            if (spool.offer(fragment) != OfferResult.ACCEPTED) {
                throw new IllegalStateException("the spool refused a fragment under its watermark");
            }
        }
        channel.runPendingTasks();
        if (spool.depthBytes() != 0) {
            throw new IllegalStateException("the pass did not complete");
        }
        SpoolWriteBenchmark.FRAGMENTS.add(PASS);
    }
}
