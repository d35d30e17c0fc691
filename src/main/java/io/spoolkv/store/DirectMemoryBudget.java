package io.spoolkv.store;

import io.netty.util.internal.PlatformDependent;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.config.StoreProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How large the store's bound may be: its values live in direct memory, beside the spool's buffers, so the bound
 * plus the spool's global budget must fit the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, or
 * Netty's {@code io.netty.maxDirectMemory}). Past it the pool refuses allocations the store believes it has room
 * for; so a configured max-memory that does not fit stops the server at startup, and a cache_memlimit that does
 * not fit is refused.
 */
@Component
public class DirectMemoryBudget {

    /** No limit: for stores built outside the server (tests). */
    public static final DirectMemoryBudget UNLIMITED = new DirectMemoryBudget(0, 0, Long.MAX_VALUE);

    private final long spoolBytes;
    private final long jvmLimit;

    @Autowired
    public DirectMemoryBudget(StoreProperties store, SpoolProperties spool) {
        this(store.maxMemory().toBytes(), spool.maxTotalBytes().toBytes(), PlatformDependent.maxDirectMemory());
    }

    /** @throws IllegalStateException when {@code maxMemory} plus {@code spoolBytes} exceeds {@code jvmLimit} */
    DirectMemoryBudget(long maxMemory, long spoolBytes, long jvmLimit) {
        this.spoolBytes = spoolBytes;
        this.jvmLimit = jvmLimit;
        if (!fits(maxMemory)) {
            throw new IllegalStateException("spoolkv.store.max-memory (" + megabytes(maxMemory)
                    + ") plus spoolkv.spool.max-total-bytes (" + megabytes(spoolBytes)
                    + ") exceeds the JVM's direct memory limit (" + megabytes(jvmLimit)
                    + ", -XX:MaxDirectMemorySize): the store's values and the spool's buffers live in direct memory."
                    + " Start the JVM with -XX:MaxDirectMemorySize of at least " + megabytes(maxMemory + spoolBytes)
                    + " plus an allowance for socket buffers (the Helm chart adds jvm.directMemoryOverhead),"
                    + " or lower spoolkv.store.max-memory");
        }
    }

    /** True when a store bound of {@code storeBytes} leaves the spool's budget within the JVM's limit. */
    public boolean fits(long storeBytes) {
        return storeBytes <= jvmLimit - spoolBytes;
    }

    private static String megabytes(long bytes) {
        return (bytes >> 20) + " MB";
    }
}
