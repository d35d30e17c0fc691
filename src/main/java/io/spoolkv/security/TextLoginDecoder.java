package io.spoolkv.security;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.spoolkv.protocol.FlushThenClose;
import io.spoolkv.protocol.text.TextResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * memcached's text-protocol login ({@code -Y}), in front of the text decoder until the connection logs in.
 * The login is a {@code set <key> <flags> <exptime> <bytes>} whose data is {@code <user> <password>} (key,
 * flags and exptime are ignored): {@code STORED} on success, then this handler leaves the pipeline and every
 * byte after the login goes to the ordinary decoder. Until then, as memcached 1.6 answers:
 * <ul>
 *   <li>any other line (every command, {@code quit}, {@code stats} and {@code watch} included) gets
 *       {@code CLIENT_ERROR unauthenticated} and the connection stays open;</li>
 *   <li>a data block not ended by CRLF gets {@code CLIENT_ERROR bad command line termination};</li>
 *   <li>data without two space-separated tokens gets {@code CLIENT_ERROR bad authentication token format};</li>
 *   <li>a wrong user or password gets {@code CLIENT_ERROR authentication failure}; the client may try again;</li>
 *   <li>a line over 2048 bytes without a newline closes the connection.</li>
 * </ul>
 * Deliberate difference: a login data block over {@value #MAX_DATA} bytes (memcached would wait for it) is
 * answered {@code CLIENT_ERROR authentication failure} and the connection is closed once the answer is sent (or
 * after {@code spoolkv.spool.stuck-timeout} if the client never takes it), so nothing is buffered
 * for an unauthenticated client beyond one line and one small block.
 *
 * <p>Replies go out in order as plain buffers; reading stops while the channel is unwritable, so a client that
 * sends junk and never reads is bounded like any other.
 */
public final class TextLoginDecoder extends ByteToMessageDecoder {

    static final int MAX_LINE = 2048;
    static final int MAX_DATA = 1024;

    private static final byte[] UNAUTHENTICATED = line("CLIENT_ERROR unauthenticated");
    private static final byte[] FAILURE = line("CLIENT_ERROR authentication failure");
    private static final byte[] BAD_TERMINATION = line("CLIENT_ERROR bad command line termination");
    private static final byte[] BAD_FORMAT = line("CLIENT_ERROR bad authentication token format");

    private final Authenticator authenticator;
    private final long closeTimeoutNanos;
    /** Length of the login data block being waited for, without its CRLF; -1 while reading a line. */
    private long dataLength = -1;
    private boolean loggedIn;
    private boolean closing;
    private boolean blockedOnWrite;
    private boolean wrote;

    /**
     * @param closeTimeout how long the close of a refused oversized login waits for its client to take the answer
     *        ({@code spoolkv.spool.stuck-timeout})
     */
    public TextLoginDecoder(Authenticator authenticator, Duration closeTimeout) {
        this.authenticator = authenticator;
        this.closeTimeoutNanos = closeTimeout.toNanos();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && !loggedIn) {
            if (closing) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (!ctx.channel().isWritable()) {
                ctx.flush(); // before blocking: a flush may report writability at once, and must not re-enter here
                if (!ctx.channel().isWritable()) {
                    // Answers wait for the socket: stop reading until it takes them (resumed on writability).
                    blockedOnWrite = true;
                    ctx.channel().config().setAutoRead(false);
                    return;
                }
            }
            if (dataLength < 0 ? !readLine(ctx, in) : !readData(ctx, in)) {
                return;
            }
        }
    }

    /** @return false when more bytes are needed */
    private boolean readLine(ChannelHandlerContext ctx, ByteBuf in) {
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (eol < 0) {
            if (in.readableBytes() > MAX_LINE) {
                closing = true; // memcached closes a connection that sends this much junk
                ctx.close();
            }
            return false;
        }
        String line = in.toString(in.readerIndex(), eol - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(eol + 1);
        long length = loginDataLength(line);
        if (length < 0) {
            reply(ctx, UNAUTHENTICATED);
        } else if (length > MAX_DATA) {
            reply(ctx, FAILURE);
            closing = true;
            FlushThenClose.close(ctx, closeTimeoutNanos);
        } else {
            dataLength = length;
        }
        return true;
    }

    /** @return false when more bytes are needed */
    private boolean readData(ChannelHandlerContext ctx, ByteBuf in) {
        int block = (int) dataLength + 2;
        if (in.readableBytes() < block) {
            return false;
        }
        byte[] data = new byte[block];
        in.readBytes(data);
        dataLength = -1;
        if (data[block - 2] != '\r' || data[block - 1] != '\n') {
            reply(ctx, BAD_TERMINATION);
            return true;
        }
        List<byte[]> tokens = tokens(Arrays.copyOf(data, block - 2));
        if (tokens.size() < 2) {
            reply(ctx, BAD_FORMAT);
        } else if (authenticator.authenticate(tokens.get(0), tokens.get(1), ctx.channel().remoteAddress())) {
            ctx.channel().attr(Authenticator.USER).set(new String(tokens.get(0), StandardCharsets.UTF_8));
            reply(ctx, TextResponse.Line.STORED.bytes());
            loggedIn = true;
            wrote = false;
            ctx.flush(); // this handler will not see the read's end to flush it
            // The bytes after the login go to the text decoder, in order, when this handler leaves.
            ctx.pipeline().remove(this);
        } else {
            reply(ctx, FAILURE);
        }
        return true;
    }

    /**
     * The announced data length if the line is {@code set <key> <flags> <exptime> <bytes> ...} (memcached
     * looks at nothing else), else -1.
     */
    static long loginDataLength(String line) {
        String[] words = line.endsWith("\r") ? line.substring(0, line.length() - 1).split(" ") : line.split(" ");
        List<String> tokens = new ArrayList<>(words.length);
        for (String w : words) {
            if (!w.isEmpty()) {
                tokens.add(w);
            }
        }
        if (tokens.size() < 5 || !tokens.get(0).equals("set")) {
            return -1;
        }
        String bytes = tokens.get(4);
        if (bytes.isEmpty() || bytes.length() > 10 || !bytes.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long n = Long.parseLong(bytes);
        return n > 0xFFFF_FFFFL ? -1 : n;
    }

    /** Space-separated tokens, empty ones skipped (memcached's tokenizer). */
    private static List<byte[]> tokens(byte[] data) {
        List<byte[]> tokens = new ArrayList<>(2);
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == ' ') {
                if (i > start) {
                    tokens.add(Arrays.copyOfRange(data, start, i));
                }
                start = i + 1;
            }
        }
        return tokens;
    }

    private void reply(ChannelHandlerContext ctx, byte[] line) {
        ctx.write(Unpooled.wrappedBuffer(line), ctx.voidPromise());
        wrote = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (wrote) {
            wrote = false;
            ctx.flush();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (blockedOnWrite && ctx.channel().isWritable()) {
            blockedOnWrite = false;
            ctx.channel().config().setAutoRead(true);
            channelRead(ctx, Unpooled.EMPTY_BUFFER); // decode what waited
            if (wrote) {
                wrote = false;
                ctx.flush();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    private static byte[] line(String text) {
        return TextResponse.Line.of(text).bytes();
    }
}
