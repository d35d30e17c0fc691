package io.spoolkv.spool;

/**
 * What a paused producer registers with {@link ConnectionSpool#resumeWhenDrained}: {@link #run()} continues
 * it on the background executor once the spool has room.
 */
@FunctionalInterface
public interface ResumeCallback extends Runnable {

    /**
     * The executor refused to run the callback (it is shutting down), so the producer will never be resumed:
     * release whatever it holds (the chunk it kept, iterators). The connection is being closed.
     */
    default void abandoned() {
    }
}
