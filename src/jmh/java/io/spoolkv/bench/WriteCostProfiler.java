package io.spoolkv.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * The costs that depend much less than throughput on how the scheduler shares two cores between the producer,
 * the event loop and the reader (thread CPU time still grows with extra parks and wakeups under load) ({@code -prof io.spoolkv.bench.WriteCostProfiler}, with {@link SpoolWriteBenchmark}). Around
 * every iteration it reads, in the benchmark's JVM:
 * <ul>
 *   <li>fragments handed over ({@link SpoolWriteBenchmark#FRAGMENTS});</li>
 *   <li>thread CPU time (ThreadMXBean) of the producer side (JMH workers plus the background threads that run
 *       the spool's resume callbacks), of the event loop, and of the reader;</li>
 *   <li>tasks submitted to the event loop ({@link TaskCountingEventLoopGroup#TASKS});</li>
 *   <li>the producers' waits for room ({@link SpoolWriteBenchmark#WAITS}): how many per 1,000 fragments, the wall
 *       time parked per fragment, and the bytes still pending when a wait ended (KiB, mean).</li>
 * </ul>
 * and reports ns of CPU per fragment and tasks per 1,000 fragments, as secondary results. All four figures
 * come from the same window, so the ratios are consistent even though the window is a little wider than the
 * measured interval (it includes the iteration's set-up and tear-down, the same for every variant).
 */
public final class WriteCostProfiler implements InternalProfiler {

    private enum Role { PRODUCER, LOOP, READER, OTHER }

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private Snapshot before;

    @Override
    public String getDescription() {
        return "spoolkv: CPU ns per fragment (producer side, event loop, reader) and event-loop tasks per 1,000 fragments";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before = snapshot();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        Snapshot after = snapshot();
        double fragments = after.fragments - before.fragments;
        if (fragments <= 0) {
            return List.of();
        }
        Map<Role, Long> cpu = new HashMap<>();
        after.cpu.forEach((id, nanos) -> {
            Role role = after.roles.get(id);
            // a thread born inside the window spent all its CPU inside it
            cpu.merge(role, nanos - before.cpu.getOrDefault(id, 0L), Long::sum);
        });
        double producer = cpu.getOrDefault(Role.PRODUCER, 0L) / fragments;
        double loop = cpu.getOrDefault(Role.LOOP, 0L) / fragments;
        List<Result> out = new ArrayList<>();
        out.add(new ScalarResult("cost.cpu.producer", producer, "ns/fragment", AggregationPolicy.AVG));
        out.add(new ScalarResult("cost.cpu.loop", loop, "ns/fragment", AggregationPolicy.AVG));
        out.add(new ScalarResult("cost.cpu.total", producer + loop, "ns/fragment", AggregationPolicy.AVG));
        out.add(new ScalarResult("cost.cpu.reader", cpu.getOrDefault(Role.READER, 0L) / fragments, "ns/fragment",
                AggregationPolicy.AVG));
        out.add(new ScalarResult("cost.loop.tasks", 1000.0 * (after.tasks - before.tasks) / fragments,
                "tasks/1000 fragments", AggregationPolicy.AVG));
        double waits = after.waits - before.waits;
        out.add(new ScalarResult("wait.count", 1000.0 * waits / fragments, "waits/1000 fragments",
                AggregationPolicy.AVG));
        out.add(new ScalarResult("wait.parked", (after.waitNanos - before.waitNanos) / fragments, "ns/fragment",
                AggregationPolicy.AVG));
        out.add(new ScalarResult("wait.pendingAtWake", waits == 0 ? 0 : (after.pendingAtWake - before.pendingAtWake)
                / waits / 1024.0, "KiB", AggregationPolicy.AVG));
        return out;
    }

    private Snapshot snapshot() {
        long fragments = SpoolWriteBenchmark.FRAGMENTS.sum();
        long tasks = TaskCountingEventLoopGroup.TASKS.sum();
        long waits = SpoolWriteBenchmark.WAITS.sum();
        long[] ids = threads.getAllThreadIds();
        long[] nanos = threads.getThreadCpuTime(ids);
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        Snapshot s = new Snapshot(fragments, tasks, waits, SpoolWriteBenchmark.WAIT_NANOS.sum(),
                SpoolWriteBenchmark.PENDING_AT_WAKE.sum());
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null && nanos[i] >= 0) { // null or -1: the thread ended meanwhile
                s.cpu.put(ids[i], nanos[i]);
                s.roles.put(ids[i], role(infos[i].getThreadName()));
            }
        }
        return s;
    }

    private static Role role(String name) {
        if (name.contains("-jmh-worker-") || name.startsWith("spoolkv-bg-")) {
            return Role.PRODUCER;
        }
        if (name.startsWith(TaskCountingEventLoopGroup.THREAD_PREFIX)) {
            return Role.LOOP;
        }
        return name.equals(SpoolWriteBenchmark.READER_THREAD) ? Role.READER : Role.OTHER;
    }

    private static final class Snapshot {
        final long fragments;
        final long tasks;
        final long waits;
        final long waitNanos;
        final long pendingAtWake;
        final Map<Long, Long> cpu = new HashMap<>();
        final Map<Long, Role> roles = new HashMap<>();

        Snapshot(long fragments, long tasks, long waits, long waitNanos, long pendingAtWake) {
            this.fragments = fragments;
            this.tasks = tasks;
            this.waits = waits;
            this.waitNanos = waitNanos;
            this.pendingAtWake = pendingAtWake;
        }
    }
}
