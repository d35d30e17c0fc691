package io.spoolkv.scan;

import io.netty.buffer.ByteBuf;

/**
 * How the protocol frames one response of a continue (for the binary protocol: its 24-byte header and the
 * 4-byte flags extras), so this package writes only the range-scan payload itself.
 */
public interface ScanFrames {

    /** Bytes of framing before a response's value. */
    int headerBytes();

    /**
     * Writes the framing of a response whose value is {@code valueBytes} long at {@code index} (space reserved
     * earlier with {@link #headerBytes()}), without moving the writer index.
     */
    void setHeader(ByteBuf out, int index, short status, boolean keyOnly, int valueBytes);
}
