package io.spoolkv.protocol;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The one release a {@link HeldValues} reply allows: the first call wins, any later one (a second owner's
 * mistake, a release racing the encoder's) finds it done and gives nothing back, so it can never take a
 * reference that belongs to the store. One object per reply with a plain volatile field (a shared static
 * updater, no AtomicBoolean): replies are made on the get path.
 */
public final class ReleaseOnce {

    private static final AtomicIntegerFieldUpdater<ReleaseOnce> RELEASED =
            AtomicIntegerFieldUpdater.newUpdater(ReleaseOnce.class, "released");

    private volatile int released;

    /** True for the first caller only. */
    boolean claim() {
        return RELEASED.compareAndSet(this, 0, 1);
    }

    boolean released() {
        return released != 0;
    }
}
