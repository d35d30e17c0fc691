package io.spoolkv.protocol;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * A request decoder that the handler behind it can hold back, shared by the text and binary protocols.
 *
 * <p>A subclass emits one request per decode step and returns while {@link #paused()}, so the handler can
 * {@link #pause} it right after a request that cannot run yet (the socket is full, a stream runs): what the client
 * sent then stays here as bytes, at most one read of them, instead of becoming request objects that wait.
 * {@code pause(false)} decodes what is buffered. A half-close that arrives while paused is held back too, so the
 * requests before it are still answered.
 */
public abstract class PausableDecoder extends ByteToMessageDecoder {

    private ChannelHandlerContext ctx;
    /** The handler cannot run requests now: decode nothing, read nothing more. */
    private boolean paused;
    /** The connection failed and is closing: nothing is decoded any more, whatever is buffered. */
    private boolean stopped;
    /** Inside {@link #channelRead}: a resume then just lets the running decode loop go on. */
    private boolean decoding;
    /** The client shut down its sending side while we were paused: passed on once the buffer is decoded. */
    private boolean inputShutdownHeld;

    /** Bytes received and not decoded yet: what holding back costs (tests check the bound with it). */
    public final int bufferedBytes() {
        return internalBuffer().readableBytes();
    }

    /**
     * True while a decode loop runs: requests may still come out of the buffer, so a handler must not decide its
     * connection has nothing left to answer. Event loop only.
     */
    public final boolean decodingNow() {
        return decoding;
    }

    /** True while the handler cannot take requests: {@code decode} must return without emitting one. */
    protected final boolean paused() {
        return paused;
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * Stops (true) or resumes (false) decoding; event loop only. Resuming decodes what is buffered at once; if a
     * decode is running (the handler resumed from inside it), that decode goes on over the buffer instead.
     */
    public void pause(boolean pause) {
        if (stopped) {
            return;
        }
        boolean resumed = paused && !pause;
        paused = pause;
        if (!resumed) {
            return;
        }
        if (decoding) {
            return; // the handler resumed us from inside our own decode loop, which simply goes on
        }
        if (ctx == null || ctx.isRemoved() || !ctx.channel().isActive()) {
            return; // nobody to answer: a closed connection's buffered requests are not run
        }
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    /**
     * Stops decoding for good (event loop only): after a failure the requests still buffered must not run, and a
     * decode loop in progress ends at its next request. The connection is being closed; its buffer goes with it.
     */
    public void stop() {
        stopped = true;
        paused = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        decoding = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            decoding = false;
        }
        if (!paused && inputShutdownHeld) {
            inputShutdownHeld = false;
            super.userEventTriggered(ctx, ChannelInputShutdownEvent.INSTANCE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inputShutdownHeld = false; // the close says it all; no half-close after it
        super.channelInactive(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (paused) {
            // ByteToMessageDecoder asks for another read when this one decoded nothing: exactly what must not
            // happen while the handler cannot run what it already has.
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            // ByteToMessageDecoder would decode the rest in one go, then drop whatever the handler paused us on:
            // decode what the handler takes now, and hold the event while requests are still buffered.
            if (!paused && !decoding && internalBuffer().isReadable()) {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            }
            if (paused || decoding) {
                // Requests wait for the handler: pass the event on once they are answered. (Unpaused, what is
                // left is part of a request that can no longer complete: ByteToMessageDecoder drops it.)
                inputShutdownHeld = true;
                return;
            }
        }
        super.userEventTriggered(ctx, evt);
    }
}
