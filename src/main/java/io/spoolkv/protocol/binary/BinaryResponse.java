package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus;
import io.spoolkv.protocol.HeldValues;
import io.spoolkv.protocol.ReleaseOnce;
import java.nio.charset.StandardCharsets;

/**
 * One binary response packet: the request's opcode and opaque echoed, a status, a CAS, and a body of extras,
 * key and value. Immutable; nothing is copied. The value is a buffer the response owns one reference to: for
 * a hit, a reference to the item's stored value (sent as it is by {@link BinaryResponseEncoder}); for anything
 * else, a wrapper of the bytes built here. Released once, by the encoder or by Netty when a write fails.
 */
public record BinaryResponse(byte opcode, short status, int opaque, long cas, byte[] extras, byte[] key,
                             ByteBuf value, ReleaseOnce once) implements HeldValues, BinaryReply {

    /** A response that owns one reference to {@code value}, given back by its first release. */
    public BinaryResponse(byte opcode, short status, int opaque, long cas, byte[] extras, byte[] key, ByteBuf value) {
        this(opcode, status, opaque, cas, extras, key, value, new ReleaseOnce());
    }

    /** A response whose value is built from bytes (messages, stats, numbers). */
    public BinaryResponse(byte opcode, short status, int opaque, long cas, byte[] extras, byte[] key, byte[] value) {
        this(opcode, status, opaque, cas, extras, key, Unpooled.wrappedBuffer(value));
    }

    static final byte[] NONE = new byte[0];

    /** A success without a body (a store, a delete, a noop...). */
    public static BinaryResponse ok(BinaryRequest request, long cas) {
        return new BinaryResponse(request.opcode(), BinaryMemcacheResponseStatus.SUCCESS, request.opaque(), cas,
                NONE, NONE, NONE);
    }

    /** An error: memcached sends its short message as the value, so clients that print it have something. */
    public static BinaryResponse error(BinaryRequest request, short status) {
        return new BinaryResponse(request.opcode(), status, request.opaque(), 0, NONE, NONE, message(status));
    }

    /** memcached's messages for its error statuses. */
    static byte[] message(short status) {
        String text = switch (status) {
            case BinaryMemcacheResponseStatus.KEY_ENOENT -> "Not found";
            case BinaryMemcacheResponseStatus.KEY_EEXISTS -> "Data exists for key.";
            case BinaryMemcacheResponseStatus.E2BIG -> "Too large.";
            case BinaryMemcacheResponseStatus.EINVA -> "Invalid arguments";
            case BinaryMemcacheResponseStatus.NOT_STORED -> "Not stored.";
            case BinaryMemcacheResponseStatus.DELTA_BADVAL -> "Non-numeric server-side value for incr or decr";
            case BinaryMemcacheResponseStatus.UNKNOWN_COMMAND -> "Unknown command";
            case BinaryMemcacheResponseStatus.AUTH_ERROR -> "Auth failure.";
            case BinaryMemcacheResponseStatus.ENOMEM -> "Out of memory";
            default -> "";
        };
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void releaseValues() {
        value.release();
    }
}
