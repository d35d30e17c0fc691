package io.spoolkv.bench;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JMH's worker threads as {@link FastThreadLocalThread}s ({@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=io.spoolkv.bench.FastThreadLocalExecutor}), because spoolkv's producers are: the
 * background executor runs on them, so Netty's pooled allocator gives them a thread cache. With JMH's plain
 * threads every variant's allocation would take an arena lock that production never takes. Thread names
 * follow JMH's ({@code <prefix>-jmh-worker-N}); {@link WriteCostProfiler} finds the producers by them.
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {

    /** The constructor JMH's CUSTOM executor type calls. */
    public FastThreadLocalExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), workers(prefix));
    }

    private static java.util.concurrent.ThreadFactory workers(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return r -> {
            Thread t = new FastThreadLocalThread(r, prefix + "-jmh-worker-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
