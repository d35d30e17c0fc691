package io.spoolkv.bench;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * One event loop (thread {@code bench-loop-*}) that counts every task handed to it, from any thread:
 * {@code execute} and {@code lazyExecute} are the two doors of Netty's task queue (a write from another thread
 * is one task, a flush from another thread is one, a spool drain pass is one). Counting at the queue, not in
 * the variants, is what makes the figure comparable across the four write paths.
 */
final class TaskCountingEventLoopGroup extends MultiThreadIoEventLoopGroup {

    /** Tasks submitted to the loop since the JVM started; read around each iteration by {@link WriteCostProfiler}. */
    static final LongAdder TASKS = new LongAdder();
    static final String THREAD_PREFIX = "bench-loop";

    TaskCountingEventLoopGroup(IoHandlerFactory factory) {
        super(1, new DefaultThreadFactory(THREAD_PREFIX), factory);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory) {
            @Override
            public void execute(Runnable task) {
                TASKS.increment();
                super.execute(task);
            }

            @Override
            public void lazyExecute(Runnable task) {
                TASKS.increment();
                super.lazyExecute(task);
            }
        };
    }
}
