package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ByteProcessor;
import io.spoolkv.protocol.PausableDecoder;
import java.util.List;

/**
 * Frames memcached's text protocol: a command line ending in LF (CRLF accepted), followed for
 * storage commands by a data block of the announced length and CRLF. Emits {@link TextRequest}s
 * in order, including {@link TextRequest.Invalid} for errors, so replies never overtake each
 * other. Everything it emits is plain heap data: no buffer ownership leaves this handler.
 *
 * <p><b>Holding back.</b> It emits one request per decode step, so the handler behind it can {@link #pause} it
 * right after a request that cannot run yet (see {@link PausableDecoder}).
 */
public final class TextRequestDecoder extends PausableDecoder {

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
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (paused() || !out.isEmpty()) {
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
        ParsedLine parsed = parser.parse(in, start, end - start);
        in.readerIndex(eol + 1);
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
