package io.spoolkv.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a connection's requests in order, on its event loop, within one output bound; the connection lifecycle
 * every protocol shares. A subclass says only how to run one request ({@link #run}) and, if an answer can be
 * written in parts, how to go on with it ({@link #answering}, {@link #continueAnswer}).
 *
 * <p><b>Output bound.</b> Answers are written as they are made and flushed once per read batch. When the channel
 * turns unwritable (Netty's outbound buffer passed its high watermark) the connection stops reading, its
 * {@link PausableDecoder} stops decoding, and requests already decoded wait in a small queue; all resumes when the
 * channel is writable again. A client that sends and never reads costs at most the watermark, one answer (or one
 * part of it) and one read's worth of requests.
 *
 * <p><b>Streams.</b> While a background stream runs ({@link #streamStarted}), requests wait here (reading is off)
 * and run, in order, after its last fragment reached the channel ({@link #streamFinished}): answers never
 * interleave with streamed output. An endless stream ({@link #servingDone}, a watcher) ends request serving.
 *
 * <p><b>Endings.</b> A quit or a fatal request ({@link #endAfterWrites}), a half-close by the client, server
 * shutdown ({@link DrainConnection}) and the idle timeout all answer everything read before them, let a running
 * stream finish, and close once all of it was written ({@link FlushThenClose}, bounded by the close timeout). An
 * exception closes at once and runs nothing more.
 *
 * <p><b>Threads and ownership.</b> Every method, the subclass's hooks and {@link #streamFinished} included, runs on
 * the channel's event loop only; nothing here is thread-safe. Requests are owned by this handler from
 * {@code channelRead} on and are not reference counted (a message of another type is released at once); a
 * response passed to {@link #write} belongs to the pipeline from then on (the encoder, or Netty on a failed write,
 * releases it).
 *
 * @param <REQ> the protocol's decoded request
 */
public abstract class OrderedRequestHandler<REQ> extends ChannelInboundHandlerAdapter {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final Class<REQ> requestType;
    private final Class<? extends PausableDecoder> decoderType;
    private final Runnable onIdleClose;
    private final long closeTimeoutNanos;

    private ChannelHandlerContext ctx;
    /** The decoder in front, held back while requests cannot run; null in tests without one. */
    private PausableDecoder decoder;
    /** Requests read but not run yet; made on first use, as most connections never need it. */
    private ArrayDeque<REQ> waiting;
    /** A background command is streaming on this connection. */
    private boolean streaming;
    /** The channel was unwritable when we last looked: nothing runs until it is writable again. */
    private boolean blockedOnWrite;
    /** The connection became a watcher, or is quitting: it serves no further requests. */
    private boolean done;
    /** The client shut down its sending side: answer what it sent, then close. */
    private boolean inputClosed;
    /** The server is shutting down: read nothing more, close when the last answer is written. */
    private boolean draining;
    /** The close (after the last write) has been requested. */
    private boolean closing;

    /**
     * @param decoderType the decoder in front, looked up in the pipeline when first needed
     * @param onIdleClose runs when the connection is closed for {@code spoolkv.server.idle-timeout} (counts it)
     * @param closeTimeout how long a connection that is closing waits for its client to take the last answers
     *        before it is closed anyway ({@code spoolkv.spool.stuck-timeout})
     */
    protected OrderedRequestHandler(Class<REQ> requestType, Class<? extends PausableDecoder> decoderType,
                                    Runnable onIdleClose, Duration closeTimeout) {
        this.requestType = requestType;
        this.decoderType = decoderType;
        this.onIdleClose = onIdleClose;
        this.closeTimeoutNanos = closeTimeout.toNanos();
    }

    /** Runs one request: writes its answer, starts an answer in parts or a stream, or ends the connection. */
    protected abstract void run(REQ request);

    /** True while a request's answer is being written in parts ({@link #continueAnswer} goes on with it). */
    protected boolean answering() {
        return false;
    }

    /** Writes more of the answer in progress, returning when it is complete or the channel is unwritable. */
    protected void continueAnswer() {
    }

    /** Forgets the answer in progress: the connection is gone. */
    protected void forgetAnswer() {
    }

    protected final ChannelHandlerContext ctx() {
        return ctx;
    }

    /** Writes one answer (flushed with the read batch, or by {@link #serve}). */
    protected final void write(Object response) {
        ctx.write(response, ctx.voidPromise());
    }

    /** A stream started on this connection: what was written goes out first, and nothing runs until it ends. */
    protected final void streamStarted() {
        ctx.flush(); // answers written so far reach the socket before the first streamed fragment
        streaming = true;
    }

    /** An endless stream (a watcher) took the connection over: what was written goes out, nothing more runs. */
    protected final void servingDone() {
        ctx.flush();
        done = true;
    }

    /** The stream's end-of-stream callback, on the event loop after its last fragment: run what waited, read on. */
    protected final void streamFinished() {
        streaming = false;
        serve();
        ctx.flush();
    }

    /** quit, or a request that ends the connection: nothing more runs; close once what was written is sent. */
    protected final void endAfterWrites() {
        done = true;
        closeWhenFlushed();
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!requestType.isInstance(msg)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (done || closing) {
            return; // a watcher, or a connection whose close was requested: nothing more runs
        }
        REQ request = requestType.cast(msg);
        if (!answering() && !streaming && !blockedOnWrite && (waiting == null || waiting.isEmpty())) {
            run(request); // nothing ahead of it: no queue needed (most connections never need one)
        } else {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.add(request);
        }
        serve();
    }

    @Override
    public final void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (blockedOnWrite && ctx.channel().isWritable()) {
            blockedOnWrite = false;
            serve();
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Runs what can run now: the answer in progress, then waiting requests, until one starts a stream or ends the
     * connection, the channel turns unwritable, or nothing is left. Then sets reading accordingly, and closes if
     * the connection is ending and idle.
     */
    private void serve() {
        while (!done && !closing && !streaming) {
            if (!ctx.channel().isWritable()) {
                blockedOnWrite = true;
                ctx.flush(); // let the socket take what is queued, so writability comes back
                break;
            }
            if (answering()) {
                continueAnswer();
                continue;
            }
            REQ next = waiting == null ? null : waiting.poll();
            if (next == null) {
                break;
            }
            run(next);
        }
        updateReading();
        closeIfFinished();
    }

    /**
     * Reads only while requests can run. While they cannot, the decoder is held back too, so what the client
     * sent meanwhile stays as at most one read of bytes, not as request objects; resuming it decodes them, which
     * may run requests (and come back here) before this returns.
     */
    private void updateReading() {
        boolean read = !streaming && !blockedOnWrite && !draining && !inputClosed && !closing && !inputShutDown();
        if (ctx.channel().isActive() && ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
        PausableDecoder d = decoder();
        if (d != null) {
            d.pause(streaming || blockedOnWrite);
        }
    }

    /** Looked up late: handlers may be added in any order. */
    private PausableDecoder decoder() {
        if (decoder == null) {
            decoder = ctx.pipeline().get(decoderType);
        }
        return decoder;
    }

    /**
     * The socket's input is shut down, though the decoder may still hold the event back while requests wait; the
     * epoll transport refuses a read then (its registration is gone), so reading must not be switched on.
     */
    private boolean inputShutDown() {
        return ctx.channel() instanceof DuplexChannel duplex && duplex.isInputShutdown();
    }

    /** Requests decoded but waiting to run (tests check the bound with it); event loop only. */
    public final int waitingRequests() {
        return waiting == null ? 0 : waiting.size();
    }

    /** Closes once the connection is ending (half-closed or draining) and has nothing left to answer. */
    private void closeIfFinished() {
        boolean ending = inputClosed || draining;
        // A draining connection also answers what its decoder still holds (paused on an unwritable channel, or
        // emitting now); a half-close already waits for that, as the decoder holds the event back.
        boolean held = draining && (blockedOnWrite || (decoder() != null && decoder.decodingNow()));
        boolean idle = !streaming && !answering() && (waiting == null || waiting.isEmpty()) && !held;
        if (ending && (idle || done)) {
            closeWhenFlushed();
        }
    }

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainConnection.INSTANCE) {
            draining = true;
            // A watcher never finishes on its own: it is closed like an idle connection.
            serve();
            ctx.flush();
        } else if (evt == ChannelInputShutdownEvent.INSTANCE) {
            // The decoder has passed on every whole request the client sent before shutting down its side.
            inputClosed = true;
            serve();
            ctx.flush();
        } else if (evt instanceof IdleStateEvent) {
            closeIdle();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** spoolkv.server.idle-timeout: close a connection that sent nothing and is not waiting for an answer. */
    private void closeIdle() {
        ChannelOutboundBuffer unsent = ctx.channel().unsafe().outboundBuffer();
        boolean busy = streaming || done || blockedOnWrite || answering()
                || (waiting != null && !waiting.isEmpty())
                || (unsent != null && unsent.totalPendingWriteBytes() > 0); // as memcached: not while output is pending
        if (!busy && !closing) {
            log.debug("closing idle connection {}", ctx.channel());
            onIdleClose.run();
            closeWhenFlushed();
        }
    }

    /** Closes after every answer and fragment written so far has reached the socket (close() would drop them). */
    private void closeWhenFlushed() {
        if (!closing) {
            closing = true;
            FlushThenClose.close(ctx, closeTimeoutNanos);
        }
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are ordinary client behaviour; anything else is ours, but
        // either way the client gets a closed connection, never a stack trace.
        log.debug("closing connection {} after {}", ctx.channel(), cause.toString());
        // requests already read, queued or still buffered, must not run after the failure
        closing = true;
        done = true;
        waiting = null;
        if (decoder() != null) {
            decoder.stop();
        }
        ctx.close();
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) {
        waiting = null;
        forgetAnswer();
        ctx.fireChannelInactive();
    }
}
