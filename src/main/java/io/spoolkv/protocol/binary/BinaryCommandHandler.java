package io.spoolkv.protocol.binary;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.protocol.FlushThenClose;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a binary connection's requests in order, on its event loop, within the same output bound as the text
 * protocol: when the channel turns unwritable the connection stops reading and its decoder stops decoding, so a
 * client that pipelines requests and never reads costs at most Netty's high watermark, one response and one
 * read's worth of bytes. Responses are written as they are made and flushed once per read batch; a quiet
 * request's response that is not sent is simply never made, so a NOOP's response follows everything before it.
 *
 * <p><b>Endings.</b> QUIT (answered) and QUITQ, a half-close by the client and server shutdown
 * ({@link DrainConnection}) answer everything read before them and close once it was written; a malformed
 * header is answered "invalid arguments" and closes; a wrong magic byte closes at once.
 *
 * <p><b>Range scans.</b> A RangeScanContinue streams through the connection's spool from the background executor;
 * while it does, requests wait here (reading is off) and run, in order, after its last response was written, so
 * answers never interleave with streamed ones.
 */
public final class BinaryCommandHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(BinaryCommandHandler.class);

    private final BinaryRequestRunner executor;
    /** Range scans; null where they are not wired (their opcodes then answer "unknown command"). */
    private final BinaryScanCommands scans;
    private final int clientId;
    private final Runnable onIdleClose;
    private final long closeTimeoutNanos;

    private ChannelHandlerContext ctx;
    private Consumer<BinaryResponse> writer;
    /** The decoder in front, held back while requests cannot run; null in tests without one. */
    private BinaryRequestDecoder decoder;
    /** Requests that arrived while the channel was unwritable (at most a read's worth: the decoder pauses). */
    private ArrayDeque<BinaryRequest> waiting;
    private boolean blockedOnWrite;
    private boolean inputClosed;
    private boolean draining;
    private boolean closing;
    /** A range-scan continue is streaming on this connection. */
    private boolean streaming;

    public BinaryCommandHandler(BinaryRequestRunner executor, int clientId, Runnable onIdleClose,
                                Duration closeTimeout) {
        this(executor, null, clientId, onIdleClose, closeTimeout);
    }

    public BinaryCommandHandler(BinaryRequestRunner executor, BinaryScanCommands scans, int clientId,
                                Runnable onIdleClose, Duration closeTimeout) {
        this.executor = executor;
        this.scans = scans;
        this.clientId = clientId;
        this.onIdleClose = onIdleClose;
        this.closeTimeoutNanos = closeTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.writer = response -> ctx.write(response, ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof BinaryRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (closing) {
            return;
        }
        if (streaming || blockedOnWrite || (waiting != null && !waiting.isEmpty())) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.add(request);
        } else {
            run(request);
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

    /** Runs waiting requests while the channel can take answers; then sets reading, and closes if finished. */
    private void serve() {
        while (!closing && !streaming) {
            if (!ctx.channel().isWritable()) {
                blockedOnWrite = true;
                ctx.flush(); // let the socket take what is queued, so writability comes back
                break;
            }
            BinaryRequest next = waiting == null ? null : waiting.poll();
            if (next == null) {
                break;
            }
            run(next);
        }
        updateReading();
        // A draining connection also answers what its decoder still holds (paused on an unwritable channel, or
        // emitting now); a half-close already waits for that, as the decoder holds the event back.
        boolean held = draining && (blockedOnWrite || (decoder != null && decoder.decodingNow()));
        if ((inputClosed || draining) && !held && !streaming && (waiting == null || waiting.isEmpty())) {
            closeWhenFlushed();
        }
    }

    private void run(BinaryRequest request) {
        // a scan the runner refuses (before a SASL login) goes to the runner, which answers the refusal
        if (scans != null && request instanceof BinaryRequest.Command c && Opcodes.rangeScan(c.opcode())
                && executor.admits(c)) {
            runScan(c);
            return;
        }
        executor.execute(clientId, request, writer);
        if (request.isQuit() || request instanceof BinaryRequest.Malformed || request instanceof BinaryRequest.BadMagic) {
            closeWhenFlushed();
        }
    }

    private void runScan(BinaryRequest.Command c) {
        BinaryResponse response = scans.run(ctx, c, this::streamFinished);
        if (response != null) {
            writer.accept(response);
            return;
        }
        ctx.flush(); // answers written so far reach the socket before the first streamed response
        streaming = true;
    }

    /** On the event loop, after a continue's last response: run what waited, then read again. */
    private void streamFinished() {
        streaming = false;
        serve();
        ctx.flush();
    }

    /** Reads only while requests can run; the decoder is held back too, so unread requests stay bytes. */
    private void updateReading() {
        boolean read = !streaming && !blockedOnWrite && !draining && !inputClosed && !closing && !inputShutDown();
        if (ctx.channel().isActive() && ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
        if (decoder == null) {
            decoder = ctx.pipeline().get(BinaryRequestDecoder.class);
        }
        if (decoder != null) {
            decoder.pause(blockedOnWrite || streaming);
        }
    }

    /** The epoll transport refuses a read once the input is shut down, so reading must not be switched on then. */
    private boolean inputShutDown() {
        return ctx.channel() instanceof DuplexChannel duplex && duplex.isInputShutdown();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainConnection.INSTANCE) {
            draining = true;
            serve();
            ctx.flush();
        } else if (evt == ChannelInputShutdownEvent.INSTANCE) {
            // the decoder has passed on every whole request sent before the half-close
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
        boolean busy = streaming || blockedOnWrite || (waiting != null && !waiting.isEmpty())
                || (unsent != null && unsent.totalPendingWriteBytes() > 0);
        if (!busy && !closing) {
            LOG.debug("closing idle connection {}", ctx.channel());
            onIdleClose.run();
            closeWhenFlushed();
        }
    }

    private void closeWhenFlushed() {
        if (!closing) {
            closing = true;
            FlushThenClose.close(ctx, closeTimeoutNanos);
        }
    }

    /** Requests decoded but waiting to run (tests check the bound with it); event loop only. */
    public int waitingRequests() {
        return waiting == null ? 0 : waiting.size();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing connection {} after {}", ctx.channel(), cause.toString());
        // requests already read, queued or still buffered, must not run after the failure
        closing = true;
        waiting = null;
        stopDecoder();
        ctx.close();
    }

    private void stopDecoder() {
        if (decoder == null) {
            decoder = ctx.pipeline().get(BinaryRequestDecoder.class);
        }
        if (decoder != null) {
            decoder.stop();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting = null;
        ctx.fireChannelInactive();
    }
}
