package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;

/** Writes numbers as ASCII digits straight into a buffer, without building strings. */
public final class Ascii {

    private Ascii() {
    }

    /** Writes {@code value} as an unsigned 64-bit decimal number. */
    public static void writeUnsigned(ByteBuf out, long value) {
        if (value >= 0 && value < 10) {
            out.writeByte('0' + (int) value);
            return;
        }
        if (value < 0) {
            // Above Long.MAX_VALUE: rare enough (cas, incr results) to go through a String.
            out.writeCharSequence(Long.toUnsignedString(value), java.nio.charset.StandardCharsets.ISO_8859_1);
            return;
        }
        int digits = 1;
        for (long v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        int at = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (long v = value; v > 0; v /= 10) {
            out.setByte(--at, '0' + (int) (v % 10));
        }
        out.writerIndex(out.writerIndex() + digits);
    }
}
