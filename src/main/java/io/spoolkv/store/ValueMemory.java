package io.spoolkv.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Where item values live: Netty's pooled direct memory, outside the heap the GC traces and copies. One job:
 * allocate a value and say what it really occupies, so the store's bound charges the pool's size class, not
 * the requested length. An allocation the direct-memory limit refuses answers null instead of throwing, so the
 * store can free memory and try again, or answer "out of memory", without aborting a key's compute.
 */
final class ValueMemory {

    /** Netty's pool: sizes up to its chunk come from size classes; larger ones are allocated exactly. */
    private static final PooledByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;
    /** Netty's smallest size-class spacing (its quantum). */
    private static final int QUANTUM = 16;

    /** Values come from Netty's shared pool. */
    static final ValueMemory POOLED = new ValueMemory(POOL);

    private final ByteBufAllocator allocator;

    ValueMemory(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    /** A value that needs no memory (mg N, md x): releasing it is a no-op. */
    static ByteBuf empty() {
        return Unpooled.EMPTY_BUFFER;
    }

    /**
     * Hands the calling thread's cached buffers back to the pool's arenas. On an event loop, freed buffers up to
     * the pool's cache limit stay in that thread's cache, where only the same size class on the same thread can
     * reuse them: before retrying a refused allocation, what the eviction freed must be back in the arena.
     */
    void trimThreadCache() {
        if (allocator instanceof PooledByteBufAllocator pooled) {
            pooled.trimCurrentThreadCache();
        }
    }

    /** A value buffer holding {@code bytes}, with one reference for the item that takes it; null when out of memory. */
    ByteBuf copyOf(byte[] bytes) {
        ByteBuf value = allocate(bytes.length);
        return value == null ? null : value.writeBytes(bytes);
    }

    /** A value buffer holding {@code first} then {@code second} (append, prepend), copied once; null when out of memory. */
    ByteBuf concat(ByteBuf first, ByteBuf second) {
        ByteBuf value = allocate(first.readableBytes() + second.readableBytes());
        return value == null ? null : value
                .writeBytes(first, first.readerIndex(), first.readableBytes())
                .writeBytes(second, second.readerIndex(), second.readableBytes());
    }

    private ByteBuf allocate(int length) {
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER; // nothing to allocate; releasing it is a no-op
        }
        try {
            return allocator.directBuffer(length, length);
        } catch (OutOfMemoryError e) {
            if (DirectMemoryRefusal.is(e)) {
                return null;
            }
            throw e; // the heap itself: nothing the store can free helps
        }
    }

    /**
     * The bytes the pool really takes for a value of {@code length}: Netty's size classes (jemalloc's: steps
     * of 16 up to 64, then four classes per power of two), exact beyond the pool's chunk size.
     */
    static long allocatedBytes(int length) {
        if (length == 0) {
            return 0;
        }
        if (length > POOL.metric().chunkSize()) {
            return length;
        }
        if (length <= 4 * QUANTUM) {
            return roundUp(length, QUANTUM);
        }
        int log2 = 31 - Integer.numberOfLeadingZeros(length - 1);
        return roundUp(length, 1L << (log2 - 2));
    }

    private static long roundUp(long value, long step) {
        return (value + step - 1) / step * step;
    }
}
