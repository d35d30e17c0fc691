package io.spoolkv.store;

import io.netty.util.internal.OutOfDirectMemoryError;
import java.util.Locale;

/**
 * Tells a direct-memory refusal, which freeing buffers can cure, from a heap {@link OutOfMemoryError}, which it
 * cannot: for the store's values and for anything else allocated from the same pool (watch lines).
 */
public final class DirectMemoryRefusal {

    private DirectMemoryRefusal() {
    }

    /**
     * Netty's own limit ({@link OutOfDirectMemoryError}) or the JVM's ({@code -XX:MaxDirectMemorySize}, which
     * {@code java.nio.Bits} reports as "Cannot reserve ... direct buffer memory", "Direct buffer memory" on older
     * paths: compared whatever the case).
     */
    public static boolean is(OutOfMemoryError e) {
        return e instanceof OutOfDirectMemoryError
                || (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("direct buffer memory"));
    }
}
