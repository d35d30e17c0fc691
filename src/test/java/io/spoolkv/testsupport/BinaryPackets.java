package io.spoolkv.testsupport;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds memcached binary-protocol requests and reads responses, byte by byte as the wire has them, for tests. */
public final class BinaryPackets {

    private BinaryPackets() {
    }

    /** A request packet with the request magic 0x80. */
    public static byte[] request(int opcode, int opaque, long cas, byte[] extras, byte[] key, byte[] value) {
        return packet(0x80, opcode, opaque, cas, extras, key, value);
    }

    /** A packet with any magic (to send a wrong one). */
    public static byte[] packet(int magic, int opcode, int opaque, long cas, byte[] extras, byte[] key, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(24 + extras.length + key.length + value.length);
        b.put((byte) magic).put((byte) opcode).putShort((short) key.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt(extras.length + key.length + value.length).putInt(opaque).putLong(cas)
                .put(extras).put(key).put(value);
        return b.array();
    }

    /** A request with only a key (GET, DELETE...). */
    public static byte[] keyOnly(int opcode, int opaque, String key) {
        return request(opcode, opaque, 0, new byte[0], ascii(key), new byte[0]);
    }

    /** A SET/ADD/REPLACE (and quiet forms) with flags and exptime extras. */
    public static byte[] store(int opcode, int opaque, long cas, String key, byte[] value, int flags, int exptime) {
        return request(opcode, opaque, cas, ByteBuffer.allocate(8).putInt(flags).putInt(exptime).array(), ascii(key),
                value);
    }

    /** An INCREMENT/DECREMENT with delta, initial value and exptime extras. */
    public static byte[] arithmetic(int opcode, int opaque, long cas, String key, long delta, long initial, int exptime) {
        return request(opcode, opaque, cas, ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(exptime)
                .array(), ascii(key), new byte[0]);
    }

    /** A request without extras, key or value (NOOP, VERSION, QUIT...). */
    public static byte[] empty(int opcode, int opaque) {
        return request(opcode, opaque, 0, new byte[0], new byte[0], new byte[0]);
    }

    /** Several packets as one write. */
    public static byte[] concat(byte[]... packets) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] p : packets) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One response packet as read from the wire. */
    public record Response(int magic, int opcode, int status, int opaque, long cas, byte[] extras, byte[] key,
                           byte[] value) {

        public String valueText() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }

        public String keyText() {
            return new String(key, StandardCharsets.ISO_8859_1);
        }

        public int flags() {
            return ByteBuffer.wrap(extras).getInt();
        }

        public long number() {
            return ByteBuffer.wrap(value).getLong();
        }
    }

    /** Reads one response; EOFException when the server closed the connection first. */
    public static Response read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] header = new byte[24];
        data.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header);
        int magic = h.get() & 0xff;
        int opcode = h.get() & 0xff;
        int keyLength = h.getShort() & 0xffff;
        int extrasLength = h.get() & 0xff;
        h.get();
        int status = h.getShort() & 0xffff;
        int bodyLength = h.getInt();
        int opaque = h.getInt();
        long cas = h.getLong();
        byte[] extras = data.readNBytes(extrasLength);
        byte[] key = data.readNBytes(keyLength);
        byte[] value = data.readNBytes(bodyLength - extrasLength - keyLength);
        if (value.length != bodyLength - extrasLength - keyLength) {
            throw new EOFException("body cut short");
        }
        return new Response(magic, opcode, status, opaque, cas, extras, key, value);
    }
}
