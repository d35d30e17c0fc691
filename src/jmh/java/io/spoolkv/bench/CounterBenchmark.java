package io.spoolkv.bench;

import io.spoolkv.counters.ThreadCounters;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a get costs in counters, the old way against the new: cmd_get, get_hits and the class's get_hits, bumped by
 * two threads at once (the two event loops), as three {@link LongAdder}s and an {@code AtomicLongArray} slot were,
 * or as three cells of {@link ThreadCounters}. The threads are Netty's (FastThreadLocalExecutor), as the event loops
 * are, so the thread-local lookup takes its fast path. The figure is the average time of one get's three adds, per
 * thread ({@code java -cp CP org.openjdk.jmh.Main io.spoolkv.bench.CounterBenchmark}, CP as in getset_big.sh).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=io.spoolkv.bench.FastThreadLocalExecutor"})
public class CounterBenchmark {

    private static final int CLASS = 12;

    private final LongAdder cmdGet = new LongAdder();
    private final LongAdder getHits = new LongAdder();
    private final AtomicLongArray classHits = new AtomicLongArray(64);

    private final ThreadCounters counts = new ThreadCounters(2 + 64);
    private final ThreadCounters.Counter cmdGetCell = counts.counter(0);
    private final ThreadCounters.Counter getHitsCell = counts.counter(1);

    @Benchmark
    public void longAdders() {
        cmdGet.increment();
        getHits.increment();
        classHits.incrementAndGet(CLASS);
    }

    @Benchmark
    public void threadCounters() {
        cmdGetCell.increment();
        getHitsCell.increment();
        counts.increment(2 + CLASS);
    }
}
