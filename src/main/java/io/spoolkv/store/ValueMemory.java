package io.spoolkv.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Where item values live: Netty's pooled direct memory, outside the heap the GC traces and copies. One job:
 * allocate a value and say what it really occupies, so the store's bound charges the pool's size class, not
 * the requested length.
 */
final class ValueMemory {

    /** Netty's pool: sizes up to its chunk come from size classes; larger ones are allocated exactly. */
    private static final PooledByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;
    /** Netty's smallest size-class spacing (its quantum). */
    private static final int QUANTUM = 16;

    private ValueMemory() {
    }

    /** A value buffer holding {@code bytes}, with one reference for the item that takes it. */
    static ByteBuf of(byte[] bytes) {
        if (bytes.length == 0) {
            return Unpooled.EMPTY_BUFFER; // nothing to allocate; releasing it is a no-op
        }
        return POOL.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
    }

    /** A value buffer holding {@code first} then {@code second} (append, prepend), copied once. */
    static ByteBuf concat(ByteBuf first, ByteBuf second) {
        int length = first.readableBytes() + second.readableBytes();
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        return POOL.directBuffer(length, length)
                .writeBytes(first, first.readerIndex(), first.readableBytes())
                .writeBytes(second, second.readerIndex(), second.readableBytes());
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
