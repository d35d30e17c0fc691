package io.spoolkv.protocol.text;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a connection's requests in order, on its event loop. Replies are written as they are made
 * and flushed once per read batch. While a background command streams, requests that were already
 * decoded wait here (reading is off, so at most one read's worth) and run, in order, after the
 * stream's last fragment has gone to the channel: replies never interleave with streamed output.
 *
 * <p>On {@link DrainConnection} (server shutdown) it stops reading, answers what was already read,
 * lets a streaming command finish, and closes the connection once all of it is flushed.
 */
public final class TextCommandHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TextCommandHandler.class);

    private final TextCommandExecutor executor;
    private final StreamCommands streams;
    private final int clientId;
    private final ArrayDeque<TextRequest> waiting = new ArrayDeque<>();
    private final Runnable onStreamFinished;

    private ChannelHandlerContext ctx;
    /** A background command is streaming on this connection. */
    private boolean streaming;
    /** The connection became a watcher (or is quitting): it serves no further requests. */
    private boolean done;
    /** The server is shutting down: read nothing more, close when the last answer is flushed. */
    private boolean draining;

    public TextCommandHandler(TextCommandExecutor executor, StreamCommands streams, int clientId) {
        this.executor = executor;
        this.streams = streams;
        this.clientId = clientId;
        this.onStreamFinished = this::streamFinished;
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
        if (done) {
            return;
        }
        if (streaming) {
            waiting.add(request);
            return;
        }
        run(request);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    private void run(TextRequest request) {
        if (request instanceof TextRequest.Quit) {
            done = true;
            ctx.flush();
            ctx.close();
        } else if (request instanceof TextRequest.Invalid invalid && invalid.close()) {
            done = true;
            ctx.writeAndFlush(TextResponse.Line.of(invalid.reply())).addListener(f -> ctx.close());
        } else if (request instanceof TextRequest.LruCrawler || request instanceof TextRequest.Watch) {
            startStream(request);
        } else {
            TextResponse reply = executor.execute(clientId, request);
            if (reply != null) {
                ctx.write(reply, ctx.voidPromise());
            }
        }
    }

    private void startStream(TextRequest request) {
        StreamCommands.Started started = streams.start(ctx, clientId, request, onStreamFinished);
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
        ctx.channel().config().setAutoRead(false);
    }

    /** On the event loop, after the stream's last fragment: run what waited, then read again. */
    private void streamFinished() {
        streaming = false;
        while (!streaming && !done && !waiting.isEmpty()) {
            run(waiting.poll());
        }
        ctx.flush();
        if (streaming) {
            return;
        }
        if (draining) {
            closeWhenFlushed();
        } else if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt != DrainConnection.INSTANCE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (draining) {
            return;
        }
        draining = true;
        ctx.channel().config().setAutoRead(false);
        // A watcher never finishes on its own: it is closed like an idle connection.
        if (!streaming) {
            closeWhenFlushed();
        }
    }

    /** Closes after every reply and fragment written so far has reached the socket (close() would drop them). */
    private void closeWhenFlushed() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes are ordinary client behaviour; anything else is ours, but
        // either way the client gets a closed connection, never a stack trace.
        LOG.debug("closing connection {} after {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting.clear();
        ctx.fireChannelInactive();
    }
}
