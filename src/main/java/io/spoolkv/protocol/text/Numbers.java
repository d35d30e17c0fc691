package io.spoolkv.protocol.text;

import java.nio.charset.StandardCharsets;

/**
 * Decimal parsing with memcached's rules, straight from a command line's bytes (a token is {@code from} to
 * {@code to} of an array), so no String is built per number. The String forms serve flag tokens and tests.
 */
final class Numbers {

    /** The largest unsigned 64-bit value that can be multiplied by 10 without overflow: (2^64 - 1) / 10. */
    private static final long UNSIGNED_MULTIPLY_LIMIT = 0x1999_9999_9999_9999L;

    private Numbers() {
    }

    /**
     * Parses client flags as memcached 1.6.18 does on a 64-bit host: strtoul takes any decimal below 2^64 and the
     * 32-bit flags keep its low 32 bits (4294967296 is stored as 0); a negative number other than -0 is refused.
     */
    static long parseUnsigned32(byte[] b, int from, int to) {
        return parseUnsigned64(b, from, to) & 0xFFFF_FFFFL;
    }

    /**
     * memcached's safe_strtol for exptimes (set, touch, gat, meta N, T and R): a decimal that must fill the token
     * and fit a 64-bit long, kept to its low 32 bits as memcached stores it in an int32_t (so 2147483648 is a
     * negative exptime there, and here).
     */
    static int signed32(byte[] b, int from, int to) {
        return (int) parseLong(b, from, to);
    }

    /**
     * Parses an unsigned 64-bit decimal as memcached's safe_strtoull does (incr/decr deltas, CAS uniques, meta C, D,
     * J, E): strtoull's optional sign, so {@code +5} is 5; a negative number is refused unless it is zero.
     */
    static long parseUnsigned64(byte[] b, int from, int to) {
        if (from < to && b[from] == '-') {
            if (parseLong(b, from, to) != 0) {
                throw new NumberFormatException("negative");
            }
            return 0;
        }
        int i = from < to && b[from] == '+' ? from + 1 : from;
        if (i == to) {
            throw new NumberFormatException("no digits");
        }
        long result = 0;
        for (; i < to; i++) {
            int digit = digit(b[i]);
            if (Long.compareUnsigned(result, UNSIGNED_MULTIPLY_LIMIT) > 0) {
                throw new NumberFormatException("above 2^64 - 1");
            }
            long times10 = result * 10;
            result = times10 + digit;
            if (Long.compareUnsigned(result, times10) < 0) {
                throw new NumberFormatException("above 2^64 - 1");
            }
        }
        return result;
    }

    /** {@link Long#parseLong(String)}'s rules: an optional sign, then only ASCII digits, within a long. */
    static long parseLong(byte[] b, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && (b[i] == '-' || b[i] == '+')) {
            negative = b[i] == '-';
            i++;
        }
        if (i == to) {
            throw new NumberFormatException("no digits");
        }
        // Accumulated negatively, as the JDK does, so that Long.MIN_VALUE fits.
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multiplyLimit = limit / 10;
        long result = 0;
        for (; i < to; i++) {
            int digit = digit(b[i]);
            if (result < multiplyLimit) {
                throw new NumberFormatException("out of range");
            }
            result *= 10;
            if (result < limit + digit) {
                throw new NumberFormatException("out of range");
            }
            result -= digit;
        }
        return negative ? result : -result;
    }

    private static int digit(byte b) {
        if (b < '0' || b > '9') {
            throw new NumberFormatException("not a digit");
        }
        return b - '0';
    }

    static long parseUnsigned32(String token) {
        byte[] b = bytes(token);
        return parseUnsigned32(b, 0, b.length);
    }

    static int signed32(String token) {
        byte[] b = bytes(token);
        return signed32(b, 0, b.length);
    }

    static long parseUnsigned64(String token) {
        byte[] b = bytes(token);
        return parseUnsigned64(b, 0, b.length);
    }

    /** A token's bytes; a char outside ISO-8859-1 (never in a decoded line) is '?', which no number holds. */
    private static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.ISO_8859_1);
    }
}
