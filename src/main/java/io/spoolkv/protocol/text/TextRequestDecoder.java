package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Frames memcached's text protocol: a command line ending in LF (CRLF accepted), followed for
 * storage commands by a data block of the announced length and CRLF. Emits {@link TextRequest}s
 * in order, including {@link TextRequest.Invalid} for errors, so replies never overtake each
 * other. Everything it emits is plain heap data: no buffer ownership leaves this handler.
 */
public final class TextRequestDecoder extends ByteToMessageDecoder {

    /** memcached refuses a line this long without a newline. */
    static final int MAX_LINE = 2048;
    /** Multi-key retrievals may be longer: room for 256 keys of 250 bytes. */
    static final int MAX_RETRIEVAL_LINE = 256 * 252 + 64;
    static final String LINE_TOO_LONG = "CLIENT_ERROR line too long";

    private final TextCommandParser parser;

    /** A storage line waiting for its data block, or null. */
    private ParsedLine.AwaitData awaiting;
    /** Bytes still to discard after a refused data block. */
    private long swallowing;
    /** After a fatal error everything else the client sends is ignored. */
    private boolean failed;

    public TextRequestDecoder(int maxItemSize) {
        this.parser = new TextCommandParser(maxItemSize);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
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
            if (!readLine(in, out)) {
                return;
            }
        }
    }

    /** Reads one command line; false when more bytes are needed. */
    private boolean readLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int searchable = Math.min(in.readableBytes(), MAX_RETRIEVAL_LINE + 1);
        int eol = in.indexOf(start, start + searchable, (byte) '\n');
        if (eol < 0) {
            if (in.readableBytes() > MAX_LINE && !isRetrieval(in, start)
                    || in.readableBytes() > MAX_RETRIEVAL_LINE) {
                fail(in, out, LINE_TOO_LONG);
            }
            return false;
        }
        int end = eol > start && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        if (end - start > MAX_LINE && !isRetrieval(in, start)) {
            fail(in, out, LINE_TOO_LONG);
            return false;
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
