package io.spoolkv.protocol.text;

/** Decimal parsing with memcached's rules for unsigned 64-bit numbers. */
final class Numbers {

    private Numbers() {
    }

    /**
     * Parses client flags as memcached 1.6.18 does on a 64-bit host: strtoul takes any decimal below 2^64 and the
     * 32-bit flags keep its low 32 bits (4294967296 is stored as 0); a negative number other than -0 is refused.
     */
    static long parseUnsigned32(String token) {
        if (token.startsWith("-")) {
            if (Long.parseLong(token) != 0) {
                throw new NumberFormatException(token);
            }
            return 0;
        }
        return Long.parseUnsignedLong(token) & 0xFFFF_FFFFL;
    }

    /**
     * memcached's safe_strtol for exptimes (set, touch, gat, meta N, T and R): a decimal that must fill the token
     * and fit a 64-bit long, kept to its low 32 bits as memcached stores it in an int32_t (so 2147483648 is a
     * negative exptime there, and here).
     */
    static int signed32(String token) {
        return (int) Long.parseLong(token);
    }

    /** Parses 1 to 20 decimal digits into an unsigned 64-bit value; anything else is refused. */
    static long parseUnsigned64(String token) {
        if (token.isEmpty() || token.length() > 20 || token.charAt(0) == '-' || token.charAt(0) == '+') {
            throw new NumberFormatException(token);
        }
        return Long.parseUnsignedLong(token);
    }
}
