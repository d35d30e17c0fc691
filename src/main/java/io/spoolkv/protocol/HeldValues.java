package io.spoolkv.protocol;

import io.netty.util.ReferenceCounted;

/**
 * A reply that holds references to stored values on its way down the pipeline. It has one owner at a time
 * (whoever holds the message) and is released once: by the encoder after encoding it, or by Netty when the
 * write fails or the channel is closed, since both release any {@link ReferenceCounted} message. A second
 * release does nothing ({@link #once()}): releasing the values twice would take the store's own reference.
 * Retaining it is not supported; the encoder takes references of its own for the buffers it sends.
 */
public interface HeldValues extends ReferenceCounted {

    /**
     * Values from this size on leave as the stored buffer itself; smaller ones are copied next to their header,
     * where a copy costs less than one more buffer, its reference count and its place in the socket's write
     * (a multi-get of thousands of small values would otherwise be thousands of buffers).
     */
    int ZERO_COPY_BYTES = 8 * 1024;

    /** Gives back every reference this reply holds; called once, by {@link #release()}. */
    void releaseValues();

    /** The guard that lets only the first {@link #release()} give the values back. */
    ReleaseOnce once();

    /** Gives the values back the first time; later calls change nothing and answer false. */
    @Override
    default boolean release() {
        if (!once().claim()) {
            return false;
        }
        releaseValues();
        return true;
    }

    @Override
    default boolean release(int decrement) {
        if (decrement != 1) {
            throw new UnsupportedOperationException("a reply is released once");
        }
        return release();
    }

    /** 1 until released, then 0: the reply is released once, by whoever holds it last. */
    @Override
    default int refCnt() {
        return once().released() ? 0 : 1;
    }

    @Override
    default ReferenceCounted retain() {
        throw new UnsupportedOperationException("a reply has one owner");
    }

    @Override
    default ReferenceCounted retain(int increment) {
        throw new UnsupportedOperationException("a reply has one owner");
    }

    @Override
    default ReferenceCounted touch() {
        return this;
    }

    @Override
    default ReferenceCounted touch(Object hint) {
        return this;
    }
}
