package io.spoolkv.protocol.text;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.protocol.FlushThenClose;
import io.spoolkv.store.Item;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a connection's requests in order, on its event loop, within one output bound. Replies are written as
 * they are made and flushed once per read batch.
 *
 * <p><b>Output bound.</b> When the channel turns unwritable (Netty's outbound buffer passed its high
 * watermark), the connection stops reading and stops running requests it already read; it resumes when the
 * channel is writable again. A get of many keys is answered one value at a time, looking each key up only when
 * the socket can take more, so no answer is ever assembled whole. A client that sends and never reads therefore
 * costs at most the watermark, one value and one read's worth of requests.
 *
 * <p><b>Streams.</b> While a background command streams, requests wait here (reading is off) and run, in
 * order, after the stream's last fragment has gone to the channel: replies never interleave with streamed
 * output.
 *
 * <p><b>Endings.</b> {@code quit}, a half-close by the client, and server shutdown ({@link DrainConnection})
 * all answer everything read before them, let a running stream finish, and close once all of it was written.
 */
public final class TextCommandHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TextCommandHandler.class);
    /** Small values of one get are written together up to this many bytes: one buffer, not one per value. */
    static final int BATCH_BYTES = 16 * 1024;

    private final TextCommandExecutor executor;
    private final StreamCommands streams;
    private final int clientId;
    private final Runnable onIdleClose;
    private final long closeTimeoutNanos;

    private ChannelHandlerContext ctx;
    /** The decoder in front, held back while requests cannot run; null in tests without one. */
    private TextRequestDecoder decoder;
    /** Requests read but not run yet; made on first use, as most connections never need it. */
    private ArrayDeque<TextRequest> waiting;
    /** A get/gets/gat/gats being answered, and the index of its next key; null when none. */
    private TextRequest.Retrieval retrieval;
    private int nextKey;
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
     * @param onIdleClose runs when the connection is closed for {@code spoolkv.server.idle-timeout} (counts it)
     * @param closeTimeout how long a connection that is closing (quit, half-close, shutdown, idle) waits for its
     *        client to take the last answers before it is closed anyway ({@code spoolkv.spool.stuck-timeout})
     */
    public TextCommandHandler(TextCommandExecutor executor, StreamCommands streams, int clientId,
                              Runnable onIdleClose, Duration closeTimeout) {
        this.executor = executor;
        this.streams = streams;
        this.clientId = clientId;
        this.onIdleClose = onIdleClose;
        this.closeTimeoutNanos = closeTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TextRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (done || closing) {
            return; // a watcher, or a connection whose close was requested: nothing more runs
        }
        if (retrieval == null && !streaming && !blockedOnWrite && (waiting == null || waiting.isEmpty())) {
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
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (blockedOnWrite && ctx.channel().isWritable()) {
            blockedOnWrite = false;
            serve();
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Runs what can run now: the answer in progress, then waiting requests, until one starts a stream, the
     * channel turns unwritable, or nothing is left. Then sets reading accordingly, and closes if the connection
     * is ending and idle.
     */
    private void serve() {
        while (!done && !streaming) {
            if (!ctx.channel().isWritable()) {
                blockedOnWrite = true;
                ctx.flush(); // let the socket take what is queued, so writability comes back
                break;
            }
            if (retrieval != null) {
                continueRetrieval();
                continue;
            }
            TextRequest next = waiting == null ? null : waiting.poll();
            if (next == null) {
                break;
            }
            run(next);
        }
        updateReading();
        closeIfFinished();
    }

    private void run(TextRequest request) {
        if (request instanceof TextRequest.Quit) {
            done = true;
            closeWhenFlushed();
        } else if (request instanceof TextRequest.Invalid invalid && invalid.close()) {
            done = true;
            ctx.write(TextResponse.Line.of(invalid.reply()), ctx.voidPromise());
            closeWhenFlushed();
        } else if (request instanceof TextRequest.Retrieval r) {
            retrieval = r;
            nextKey = 0;
        } else if (request instanceof TextRequest.LruCrawler || request instanceof TextRequest.Watch) {
            startStream(request);
        } else {
            TextResponse reply = executor.execute(clientId, request);
            if (reply != null) {
                ctx.write(reply, ctx.voidPromise());
            }
        }
    }

    /**
     * Looks up and writes values while the channel can take them; END after the last key. Consecutive small hits
     * share one buffer (up to {@link #BATCH_BYTES}, plus the value that crosses it), and the last batch carries
     * END, so a single-key get is still one buffer.
     */
    private void continueRetrieval() {
        TextRequest.Retrieval r = retrieval;
        List<Item> batch = null;
        long batchBytes = 0;
        while (nextKey < r.keys().size()) {
            if (batch == null && !ctx.channel().isWritable()) {
                return; // serve() blocks; we continue from nextKey when writable
            }
            Item item;
            try {
                item = executor.retrieve(clientId, r, r.keys().get(nextKey++)); // retained for the reply
            } catch (RuntimeException e) {
                if (batch != null) {
                    batch.forEach(Item::release);
                }
                throw e;
            }
            if (item == null) {
                continue;
            }
            if (batch == null) {
                batch = new ArrayList<>(Math.min(8, r.keys().size() - nextKey + 1));
            }
            batch.add(item);
            batchBytes += TextResponse.Values.size(item);
            if (batchBytes >= BATCH_BYTES) {
                ctx.write(new TextResponse.Values(batch, r.withCas(), false), ctx.voidPromise());
                batch = null;
                batchBytes = 0;
            }
        }
        ctx.write(batch == null ? TextResponse.Line.END : new TextResponse.Values(batch, r.withCas(), true),
                ctx.voidPromise());
        retrieval = null;
    }

    private void startStream(TextRequest request) {
        StreamCommands.Started started = streams.start(ctx, clientId, request, this::streamFinished);
        if (started.reply() != null) {
            ctx.write(started.reply(), ctx.voidPromise());
        }
        if (!started.streaming()) {
            return;
        }
        // Replies written so far must reach the socket before the first streamed fragment.
        ctx.flush();
        if (started.endless()) {
            done = true;
            return;
        }
        streaming = true;
    }

    /** On the event loop, after the stream's last fragment: run what waited, then read again. */
    private void streamFinished() {
        streaming = false;
        serve();
        ctx.flush();
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
        if (decoder == null) {
            decoder = ctx.pipeline().get(TextRequestDecoder.class); // looked up late: handlers may be added in any order
        }
        if (decoder != null) {
            decoder.pause(streaming || blockedOnWrite);
        }
    }

    /**
     * The socket's input is shut down, though the decoder may still hold the event back while requests wait; the
     * epoll transport refuses a read then (its registration is gone), so reading must not be switched on.
     */
    private boolean inputShutDown() {
        return ctx.channel() instanceof DuplexChannel duplex && duplex.isInputShutdown();
    }

    /** Requests waiting to run (for tests). */
    int waitingRequests() {
        return waiting == null ? 0 : waiting.size();
    }

    /** Closes once the connection is ending (half-closed or draining) and has nothing left to answer. */
    private void closeIfFinished() {
        boolean ending = inputClosed || draining;
        // A draining connection also answers what its decoder still holds (paused on an unwritable channel, or
        // emitting now); a half-close already waits for that, as the decoder holds the event back.
        boolean held = draining && (blockedOnWrite || (decoder != null && decoder.decodingNow()));
        boolean idle = !streaming && retrieval == null && (waiting == null || waiting.isEmpty()) && !held;
        if (ending && (idle || done)) {
            closeWhenFlushed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
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
        boolean busy = streaming || done || blockedOnWrite || retrieval != null
                || (waiting != null && !waiting.isEmpty())
                || (unsent != null && unsent.totalPendingWriteBytes() > 0); // as memcached: not while output is pending
        if (!busy && !closing) {
            LOG.debug("closing idle connection {}", ctx.channel());
            onIdleClose.run();
            closeWhenFlushed();
        }
    }

    /** Closes after every reply and fragment written so far has reached the socket (close() would drop them). */
    private void closeWhenFlushed() {
        if (closing) {
            return;
        }
        closing = true;
        FlushThenClose.close(ctx, closeTimeoutNanos);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are ordinary client behaviour; anything else is ours, but
        // either way the client gets a closed connection, never a stack trace.
        LOG.debug("closing connection {} after {}", ctx.channel(), cause.toString());
        // requests already read, queued or still buffered, must not run after the failure
        closing = true;
        done = true;
        waiting = null;
        stopDecoder();
        ctx.close();
    }

    private void stopDecoder() {
        if (decoder == null) {
            decoder = ctx.pipeline().get(TextRequestDecoder.class);
        }
        if (decoder != null) {
            decoder.stop();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting = null;
        retrieval = null;
        ctx.fireChannelInactive();
    }
}
