package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.OfferResult;
import io.spoolkv.spool.ResumeCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resumable producer that streams a command's response into a connection's spool from the
 * {@link BackgroundExecutor}, chunk by chunk, and never blocks or spins when the client is slow.
 *
 * <p>A subclass implements {@link #fill}. The base class runs the offer loop:
 * <ul>
 *   <li>ACCEPTED: fill the next chunk;</li>
 *   <li>WOULD_BLOCK: keep the chunk, register {@link ConnectionSpool#resumeWhenDrained} with this task as the
 *       callback and return the thread to the pool; the spool runs the task again on the executor, which
 *       offers the kept chunk first;</li>
 *   <li>CLOSED: stop; the spool released the chunk; {@link #onClosed()} runs;</li>
 *   <li>no more chunks: {@link ConnectionSpool#finish} with the {@code onDone} callback, which runs on the event
 *       loop once every byte has been written to the channel.</li>
 * </ul>
 * The task runs on one thread at a time (each run is handed over through the executor or the spool's
 * one-shot callback), so its fields need no locking: those hand-overs publish them.
 */
public abstract class StreamingTask implements ResumeCallback {

    private static final Logger log = LoggerFactory.getLogger(StreamingTask.class);

    private final ConnectionSpool spool;
    private final BackgroundExecutor executor;
    private final int chunkBytes;
    private final String command;
    private final Runnable onDone;

    /** A chunk the spool refused; offered again, before anything new, when we are resumed. */
    private ByteBuf pending;
    /** Whether {@link #fill} said more follows the pending chunk. */
    private boolean moreAfterPending;
    /** The stream's end was issued (finish queued, failure handled, or the connection closed): only once. */
    private boolean ended;
    /** {@link #onClosed} ran: only once. */
    private boolean stopNotified;

    /**
     * @param spool the connection's spool
     * @param executor the background executor
     * @param chunkBytes target size of each chunk ({@code BackgroundProperties.chunkBytes})
     * @param command what to show in the spool's stats while streaming, e.g. {@code "lru_crawler metadump"}
     * @param onDone runs on the event loop after the last byte was written to the channel (typically: resume
     *        reading); never runs if the connection closes first
     */
    protected StreamingTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, String command,
                            Runnable onDone) {
        this.spool = spool;
        this.executor = executor;
        this.chunkBytes = chunkBytes;
        this.command = command;
        this.onDone = onDone;
    }

    /**
     * Submits the task. Call it on the event loop after switching reading off for the connection.
     *
     * @return false when the executor is full: answer "busy" (and resume reading); the task never runs
     */
    public final boolean start() {
        spool.command(command);
        if (executor.trySubmit(this)) {
            return true;
        }
        spool.command(null);
        return false;
    }

    /**
     * Writes the next part of the response into {@code chunk}: roughly {@link #chunkBytes()} bytes (its initial
     * capacity); it may grow past that for one large record. Runs on a background thread.
     *
     * @return true if more chunks follow, false if this is the last one (it may be empty)
     */
    protected abstract boolean fill(ByteBuf chunk) throws Exception;

    /**
     * The stream stopped early (the connection closed, or the stream failed): release what the producer holds
     * (iterators, snapshots). Background thread.
     */
    protected void onClosed() {
    }

    /**
     * The line that ends this stream when it fails part-way (for a text dump, a {@code SERVER_ERROR} line after
     * the last whole line sent), as an unpooled buffer so that it can be made even when pooled memory ran out;
     * null when the protocol has no way to say it, and the connection is closed instead.
     */
    protected ByteBuf failureLine(Throwable cause) {
        return null;
    }

    protected final int chunkBytes() {
        return chunkBytes;
    }

    protected final ConnectionSpool spool() {
        return spool;
    }

    @Override
    public final void run() {
        try {
            produce();
        } catch (Throwable t) {
            // Anything at all (an OutOfDirectMemoryError allocating a chunk, a bug in fill, an offer that
            // threw): end the stream so the connection neither hangs in streaming mode nor leaks.
            fail(t);
        }
    }

    private void produce() throws Exception {
        for (;;) {
            ByteBuf chunk;
            boolean more;
            if (pending != null) {
                chunk = pending;
                more = moreAfterPending;
                pending = null;
            } else if (spool.isClosed()) {
                stopClosed(); // don't produce a chunk nobody will read
                return;
            } else {
                chunk = spool.alloc().buffer(chunkBytes);
                pending = chunk; // owned here until offered: fail() releases it if fill throws
                more = fill(chunk);
                pending = null;
            }
            boolean empty = !chunk.isReadable();
            OfferResult result = empty ? releaseEmpty(chunk) : spool.offer(chunk);
            if (result == OfferResult.CLOSED) {
                stopClosed();
                return;
            }
            if (more && empty) {
                // a fill that found nothing to send (a filtered dump skipping other items): give the thread back
                // to the queued commands and go on later, so no step of the task runs unbounded
                executor.execute(this);
                return;
            }
            if (result == OfferResult.WOULD_BLOCK) {
                pending = chunk;
                moreAfterPending = more;
                // Fields first, then register: the callback may run on another thread at once.
                if (!spool.resumeWhenDrained(this)) {
                    pending = null;
                    chunk.release();
                    stopClosed();
                }
                return; // the thread goes back to the pool; the spool calls us again
            }
            if (!more) {
                ended = true; // before finish: if anything throws after it queued the end, fail() must not again
                spool.command(null);
                if (spool.finish(onDone) == OfferResult.CLOSED) {
                    notifyStopped();
                }
                return;
            }
        }
    }

    /** Ends the stream after an unexpected error: a failure line where the protocol has one, else a close. */
    private void fail(Throwable cause) {
        releasePending();
        spool.producerFailed();
        spool.command(null);
        if (ended) {
            // The end was already issued, so the connection may already be reading again: it cannot hear a
            // second end. Closing is the only safe answer.
            log.warn("{} failed after its end on {}; closing the connection", command, spool.channel(), cause);
            spool.channel().close();
            return;
        }
        ended = true;
        try {
            notifyStopped();
            ByteBuf line = failureLine(cause);
            if (line == null) {
                log.warn("{} failed on {}; closing the connection", command, spool.channel(), cause);
                spool.channel().close();
            } else {
                log.warn("{} failed on {}; ending it with an error line", command, spool.channel(), cause);
                spool.finish(line, onDone);
            }
        } catch (Throwable again) {
            log.warn("{} could not end cleanly on {}; closing the connection", command, spool.channel(), again);
            spool.channel().close();
        }
    }

    /** The executor will not resume us (it is shutting down): release the kept chunk; the spool closes. */
    @Override
    public final void abandoned() {
        ended = true;
        releasePending();
        spool.command(null);
        notifyStopped();
    }

    private void notifyStopped() {
        if (!stopNotified) {
            stopNotified = true;
            onClosed();
        }
    }

    private void releasePending() {
        ByteBuf chunk = pending;
        pending = null;
        if (chunk != null) {
            chunk.release();
        }
    }

    private OfferResult releaseEmpty(ByteBuf chunk) {
        chunk.release();
        return spool.isClosed() ? OfferResult.CLOSED : OfferResult.ACCEPTED;
    }

    private void stopClosed() {
        ended = true;
        spool.command(null);
        notifyStopped();
    }
}
