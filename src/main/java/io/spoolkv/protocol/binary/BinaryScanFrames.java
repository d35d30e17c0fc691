package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.spoolkv.scan.ScanFrames;

/**
 * The binary framing of a RangeScanContinue's responses: the response header (the request's opaque echoed) and
 * kv_engine's 4-byte flags extras, 0 for a key-only value, 1 for documents.
 */
record BinaryScanFrames(int opaque) implements ScanFrames {

    private static final int EXTRAS_BYTES = 4;

    @Override
    public int headerBytes() {
        return BinaryRequestDecoder.HEADER_BYTES + EXTRAS_BYTES;
    }

    @Override
    public void setHeader(ByteBuf out, int index, short status, boolean keyOnly, int valueBytes) {
        out.setByte(index, BinaryResponseEncoder.RESPONSE_MAGIC);
        out.setByte(index + 1, Opcodes.RANGE_SCAN_CONTINUE);
        out.setShort(index + 2, 0); // no key
        out.setByte(index + 4, EXTRAS_BYTES);
        out.setByte(index + 5, 0); // data type: raw bytes
        out.setShort(index + 6, status);
        out.setInt(index + 8, EXTRAS_BYTES + valueBytes);
        out.setInt(index + 12, opaque);
        out.setLong(index + 16, 0); // no CAS
        out.setInt(index + 24, keyOnly ? 0 : 1);
    }
}
