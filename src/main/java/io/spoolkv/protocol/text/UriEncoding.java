package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;

/** Percent-encodes keys as memcached's dumps and watch lines do: unreserved characters stay as they are. */
public final class UriEncoding {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final boolean[] UNRESERVED = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            UNRESERVED[c] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c : new char[] {'-', '_', '.', '~'}) {
            UNRESERVED[c] = true;
        }
    }

    private UriEncoding() {
    }

    /** Writes {@code key} encoded; runs of plain characters go out in one copy, as most keys are plain. */
    public static void write(ByteBuf out, byte[] key) {
        int runStart = 0;
        for (int i = 0; i < key.length; i++) {
            int c = key[i] & 0xff;
            if (!UNRESERVED[c]) {
                out.writeBytes(key, runStart, i - runStart);
                out.writeByte('%').writeByte(HEX[c >> 4]).writeByte(HEX[c & 0xf]);
                runStart = i + 1;
            }
        }
        out.writeBytes(key, runStart, key.length - runStart);
    }
}
