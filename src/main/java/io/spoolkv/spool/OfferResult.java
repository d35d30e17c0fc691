package io.spoolkv.spool;

/**
 * What {@link ConnectionSpool#offer} did with a fragment, and therefore who owns it now.
 */
public enum OfferResult {
    /** The spool owns the buffer and will write and release it (or release it if the connection closes). */
    ACCEPTED,
    /**
     * The spool is full (its high watermark or the global cap). The caller still owns the buffer: it keeps
     * it, registers {@link ConnectionSpool#resumeWhenDrained} and offers the same buffer again when resumed.
     */
    WOULD_BLOCK,
    /** The connection is gone. The spool has released the buffer; the producer stops. */
    CLOSED
}
