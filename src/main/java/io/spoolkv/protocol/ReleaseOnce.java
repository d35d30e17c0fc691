package io.spoolkv.protocol;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one release a {@link HeldValues} reply allows: the first call wins, any later one (a second owner's
 * mistake, a release racing the encoder's) finds it done and gives nothing back, so it can never take a
 * reference that belongs to the store.
 */
public final class ReleaseOnce {

    private final AtomicBoolean released = new AtomicBoolean();

    /** True for the first caller only. */
    boolean claim() {
        return released.compareAndSet(false, true);
    }

    boolean released() {
        return released.get();
    }
}
