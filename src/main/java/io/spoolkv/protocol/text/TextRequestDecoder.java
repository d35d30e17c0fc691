package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Frames memcached's text protocol: a command line ending in LF (CRLF accepted), followed for
 * storage commands by a data block of the announced length and CRLF. Emits {@link TextRequest}s
 * in order, including {@link TextRequest.Invalid} for errors, so replies never overtake each
 * other. Everything it emits is plain heap data: no buffer ownership leaves this handler.
 *
 * <p><b>Holding back.</b> It emits one request per decode step, so the handler behind it can {@link #pause} it
 * right after a request that cannot run yet (the socket is full, a stream runs): what the client sent then stays
 * here as bytes, at most one read of them, instead of becoming request objects that wait. {@link #pause
 * pause(false)} decodes what is buffered. A half-close that arrives while paused is held back too, so the
 * requests before it are still answered.
 */
public final class TextRequestDecoder extends ByteToMessageDecoder {

    /** memcached refuses a line this long without a newline. */
    public static final int MAX_LINE = 2048;
    static final String LINE_TOO_LONG = "CLIENT_ERROR line too long";

    private final TextCommandParser parser;
    /** Retrieval lines (get, gets, gat, gats) may carry many keys: they are bounded by this instead. */
    private final int maxRetrievalLine;
    private final String retrievalTooLong;

    /** Bytes after the reader index already searched for a newline: a long line is scanned once. */
    private int searched;
    /** Discarding a refused retrieval line up to and including its newline. */
    private boolean discardingLine;

    /** A storage line waiting for its data block, or null. */
    private ParsedLine.AwaitData awaiting;
    /** Bytes still to discard after a refused data block. */
    private long swallowing;
    /** After a fatal error everything else the client sends is ignored. */
    private boolean failed;

    private ChannelHandlerContext ctx;
    /** The handler cannot run requests now: decode nothing, read nothing more. */
    private boolean paused;
    /** Inside {@link #channelRead}: a resume then just lets the running decode loop go on. */
    private boolean decoding;
    /** The client shut down its sending side while we were paused: passed on once the buffer is decoded. */
    private boolean inputShutdownHeld;

    public TextRequestDecoder(int maxItemSize, int maxRetrievalLine) {
        if (maxRetrievalLine < MAX_LINE) {
            throw new IllegalArgumentException("maxRetrievalLine below " + MAX_LINE + ": " + maxRetrievalLine);
        }
        this.parser = new TextCommandParser(maxItemSize);
        this.maxRetrievalLine = maxRetrievalLine;
        this.retrievalTooLong = "SERVER_ERROR retrieval line longer than " + maxRetrievalLine
                + " bytes (spoolkv.server.max-retrieval-line)";
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * Stops (true) or resumes (false) decoding; event loop only. Resuming decodes what is buffered at once; if a
     * decode is running (the handler resumed from inside it), that decode goes on over the buffer instead.
     */
    public void pause(boolean pause) {
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

    /** Bytes received and not decoded yet (for tests). */
    int bufferedBytes() {
        return internalBuffer().readableBytes();
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

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (paused || !out.isEmpty()) {
                return; // one request per step: the handler may pause us after each
            }
            if (failed) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (swallowing > 0) {
                int skip = (int) Math.min(swallowing, in.readableBytes());
                in.skipBytes(skip);
                swallowing -= skip;
                continue;
            }
            if (awaiting != null) {
                if (!readData(in, out)) {
                    return;
                }
                continue;
            }
            if (discardingLine) {
                discardLine(in);
                continue;
            }
            if (!readLine(in, out)) {
                return;
            }
        }
    }

    /** Reads one command line; false when more bytes are needed. */
    private boolean readLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        // The longest allowed line plus its CR LF: a newline not found there means the line is too long; never
        // search further.
        int searchable = Math.min(in.readableBytes(), maxRetrievalLine + 2);
        int eol = searched < searchable ? in.indexOf(start + searched, start + searchable, (byte) '\n') : -1;
        if (eol < 0) {
            searched = searchable;
            if (in.readableBytes() > MAX_LINE && !isRetrieval(in, start)) {
                fail(in, out, LINE_TOO_LONG);
            } else if (in.readableBytes() > maxRetrievalLine + 1) {
                refuseRetrievalLine(in, out);
                return true;
            }
            return false;
        }
        searched = 0;
        int end = eol > start && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        if (end - start > MAX_LINE && !isRetrieval(in, start)) {
            fail(in, out, LINE_TOO_LONG);
            return false;
        }
        if (end - start > maxRetrievalLine) {
            refuseRetrievalLine(in, out);
            return true;
        }
        String line = in.toString(start, end - start, StandardCharsets.ISO_8859_1);
        in.readerIndex(eol + 1);
        ParsedLine parsed = parser.parse(line);
        if (parsed instanceof ParsedLine.Complete c) {
            out.add(c.request());
        } else if (parsed instanceof ParsedLine.AwaitData a) {
            awaiting = a;
        } else if (parsed instanceof ParsedLine.Swallow s) {
            out.add(s.request());
            swallowing = s.length() + 2L;
        }
        return true;
    }

    /** Reads the awaited data block; false when more bytes are needed. */
    private boolean readData(ByteBuf in, List<Object> out) {
        int length = awaiting.length();
        if (in.readableBytes() < length + 2) {
            return false;
        }
        byte[] data = new byte[length];
        in.readBytes(data);
        boolean terminated = in.readByte() == '\r' & in.readByte() == '\n';
        out.add(terminated
                ? awaiting.consumer().complete(data)
                : new TextRequest.Invalid(MetaCommandParser.BAD_DATA_CHUNK, false));
        awaiting = null;
        return true;
    }

    /**
     * A retrieval line over the limit: answered at once (nothing after it can be a request before
     * its newline), then its bytes are dropped up to the newline and the connection goes on.
     */
    private void refuseRetrievalLine(ByteBuf in, List<Object> out) {
        searched = 0;
        discardingLine = true;
        out.add(new TextRequest.Invalid(retrievalTooLong, false));
        discardLine(in); // a step that emits must also consume
    }

    /** Drops the refused line's bytes through its newline, however many reads they take. */
    private void discardLine(ByteBuf in) {
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (eol < 0) {
            in.skipBytes(in.readableBytes());
        } else {
            in.readerIndex(eol + 1);
            discardingLine = false;
        }
    }

    private void fail(ByteBuf in, List<Object> out, String reply) {
        // Consume what is there: nothing after this point is a request, and a decoder must not
        // emit a message without reading.
        in.skipBytes(in.readableBytes());
        failed = true;
        out.add(new TextRequest.Invalid(reply, true));
    }

    private static final ByteProcessor NOT_SPACE = b -> b == ' ';

    /** get, gets, gat, gats and mg lines may carry many keys; they get a larger limit. */
    private static boolean isRetrieval(ByteBuf in, int start) {
        int first = in.forEachByte(start, Math.min(in.readableBytes(), 16), NOT_SPACE);
        if (first < 0) {
            return false;
        }
        return startsWith(in, first, "get ") || startsWith(in, first, "gets ")
                || startsWith(in, first, "gat ") || startsWith(in, first, "gats ");
    }

    private static boolean startsWith(ByteBuf in, int at, String prefix) {
        if (in.writerIndex() - at < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (in.getByte(at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
