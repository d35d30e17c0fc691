package io.spoolkv.counters;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;

/**
 * A fixed number of counters kept per thread and summed when read, as memcached keeps its statistics per worker
 * thread: counting costs a thread-local lookup and a store to memory the thread alone writes, with no locked
 * instruction and no cache line shared with another counting thread. It replaces the request path's
 * {@code LongAdder}s and a per-class {@code AtomicLongArray} both event loops wrote: a get's three adds on two
 * threads took 34.5 ns with those, 6.2 ns with this ({@code CounterBenchmark}, docs/store.md#counters).
 *
 * <p>Thread contract. Each thread that counts gets its own block of cells (through a Netty {@link FastThreadLocal},
 * registered once in the list readers walk). Only that thread writes its block: a plain read and an opaque write.
 * Any thread may read a counter: it sums every block with opaque reads. A cell only grows and opaque accesses to
 * one cell are coherent, so a sum that one thread reads again never goes backwards; a sum taken after the counting
 * threads were joined is exact. The block of a thread that ended is not dropped (its counts stay in the sums): the
 * next thread that registers adopts it and keeps adding to it, so there are never more blocks than threads that
 * counted at the same time. Cells are never set back to zero (only the owner may write them): a reset is a
 * baseline the reader subtracts.
 *
 * <p>Lifetime. Each instance takes one Netty thread-local slot for good (Netty never reuses their indexes) and is
 * kept alive by every thread that counted with it until that thread ends: make one per server (the command stats,
 * the store, the connection registry), never one per connection, scan or request.
 */
public final class ThreadCounters {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * Unused cells at each end of a block (16 longs: 128 bytes), so that no two threads' blocks share a cache line,
     * nor the neighbouring line the CPU's prefetcher fetches with it.
     */
    private static final int PAD = 16;

    private final int width;
    private final Object registration = new Object();
    /** Every block ever registered; replaced whole (under {@link #registration}) when one is added. */
    private volatile Block[] blocks = new Block[0];
    private final FastThreadLocal<long[]> mine = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            return register(Thread.currentThread());
        }
    };

    /** One thread's cells; {@code owner} is only read and written under {@link #registration}. */
    private static final class Block {
        final long[] cells;
        Thread owner;

        Block(long[] cells, Thread owner) {
            this.cells = cells;
            this.owner = owner;
        }
    }

    /** {@code width} counters, numbered 0 to width - 1, all at zero. */
    public ThreadCounters(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("width must be at least 1: " + width);
        }
        this.width = width;
    }

    public int width() {
        return width;
    }

    /** Adds {@code n} (at least 0) to {@code counter} in the calling thread's block. */
    public void add(int counter, long n) {
        assert n >= 0 : n;
        int i = PAD + Objects.checkIndex(counter, width);
        long[] cells = mine.get();
        CELL.setOpaque(cells, i, cells[i] + n); // only this thread writes the cell: its plain read is current
    }

    public void increment(int counter) {
        add(counter, 1);
    }

    /** {@code counter}'s total over every thread that ever counted. */
    public long sum(int counter) {
        int i = PAD + Objects.checkIndex(counter, width);
        long sum = 0;
        for (Block b : blocks) {
            sum += (long) CELL.getOpaque(b.cells, i);
        }
        return sum;
    }

    /** A handle on one counter, for classes that keep a field per counter. */
    public Counter counter(int counter) {
        return new Counter(this, Objects.checkIndex(counter, width));
    }

    /** Blocks registered so far: the most threads that counted at one time. For tests. */
    int blocks() {
        return blocks.length;
    }

    /**
     * The calling thread's block: one it owned before (its thread-local was cleared), else one whose thread ended
     * (that thread's last writes happen-before {@code isAlive()} returning false, so the adopter continues from
     * them), else a new one.
     */
    private long[] register(Thread me) {
        synchronized (registration) {
            for (Block b : blocks) {
                if (b.owner == me) { // its own first: a live thread never holds two blocks
                    return b.cells;
                }
            }
            for (Block b : blocks) {
                if (!b.owner.isAlive()) {
                    b.owner = me;
                    return b.cells;
                }
            }
            Block b = new Block(new long[PAD + width + PAD], me);
            Block[] more = Arrays.copyOf(blocks, blocks.length + 1);
            more[blocks.length] = b;
            blocks = more;
            return b.cells;
        }
    }

    /** One counter of a {@link ThreadCounters}. */
    public static final class Counter {
        private final ThreadCounters counters;
        private final int index;

        private Counter(ThreadCounters counters, int index) {
            this.counters = counters;
            this.index = index;
        }

        public void increment() {
            counters.add(index, 1);
        }

        public void add(long n) {
            counters.add(index, n);
        }

        public long sum() {
            return counters.sum(index);
        }
    }
}
