package io.spoolkv.testsupport;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.lang.reflect.Constructor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's pooled allocator, except that the next {@link #failNext} direct allocations fail as the pool at its
 * direct-memory limit fails: with Netty's {@link OutOfDirectMemoryError} or the JVM's "Cannot reserve direct buffer
 * memory". It allocates nothing itself and knows no store rules.
 */
public final class FailingAllocator extends AbstractByteBufAllocator {

    /** How a refused allocation looks. */
    public enum Kind { NETTY, JVM }

    private final ByteBufAllocator pool = PooledByteBufAllocator.DEFAULT;
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Kind kind = Kind.NETTY;

    public FailingAllocator() {
        super(true);
    }

    /** The next {@code count} direct allocations fail with {@code how}. */
    public void failNext(int count, Kind how) {
        kind = how;
        failures.set(count);
    }

    /** Failures asked for and not yet thrown. */
    public int pendingFailures() {
        return failures.get();
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw refusal(initialCapacity);
        }
        return pool.directBuffer(initialCapacity, maxCapacity);
    }

    private OutOfMemoryError refusal(int capacity) {
        if (kind == Kind.JVM) {
            return new OutOfMemoryError("Cannot reserve " + capacity + " bytes of direct buffer memory (test)");
        }
        try {
            // Netty's error has no public constructor: it is thrown by its allocator only
            Constructor<OutOfDirectMemoryError> c = OutOfDirectMemoryError.class.getDeclaredConstructor(String.class);
            c.setAccessible(true);
            return c.newInstance("failed to allocate " + capacity + " byte(s) of direct memory (test)");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return pool.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return pool.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }
}
