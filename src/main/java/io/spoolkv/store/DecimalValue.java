package io.spoolkv.store;

import java.nio.charset.StandardCharsets;

/**
 * Reads and writes the unsigned 64-bit decimal numbers incr/decr work on, as memcached's
 * safe_strtoull does: optional leading whitespace, digits, then only whitespace (memcached pads
 * values it shrank in place with spaces, so trailing blanks must be accepted).
 */
final class DecimalValue {

    private DecimalValue() {
    }

    /** The value, or null when {@code bytes} is not a decimal unsigned 64-bit number. */
    static Long parse(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n && isSpace(bytes[i])) {
            i++;
        }
        int digitsStart = i;
        long value = 0;
        while (i < n && bytes[i] >= '0' && bytes[i] <= '9') {
            int digit = bytes[i] - '0';
            // value * 10 + digit must stay below 2^64 (unsigned)
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, 10)) > 0) {
                return null;
            }
            value = value * 10 + digit;
            i++;
        }
        if (i == digitsStart) {
            return null;
        }
        while (i < n) {
            if (!isSpace(bytes[i])) {
                return null;
            }
            i++;
        }
        return value;
    }

    static byte[] format(long unsignedValue) {
        return Long.toUnsignedString(unsignedValue).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The stored form of an incr/decr result that replaces a value of {@code oldLength} bytes. memcached rewrites
     * the number in place when it fits and pads the rest with spaces ({@code 10} decremented by 1 reads back as
     * {@code "9 "}); a longer number gets a new value of its own length.
     */
    static byte[] formatInPlace(long unsignedValue, int oldLength) {
        byte[] digits = format(unsignedValue);
        if (digits.length >= oldLength) {
            return digits;
        }
        byte[] padded = new byte[oldLength];
        System.arraycopy(digits, 0, padded, 0, digits.length);
        java.util.Arrays.fill(padded, digits.length, oldLength, (byte) ' ');
        return padded;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0x0b || b == '\f';
    }
}
