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

    /**
     * Parses an unsigned 64-bit decimal as memcached's safe_strtoull does (incr/decr deltas, CAS uniques, meta C, D,
     * J, E): strtoull's optional sign, so {@code +5} is 5; a negative number is refused unless it is zero.
     */
    static long parseUnsigned64(String token) {
        if (token.startsWith("-")) {
            if (Long.parseLong(token) != 0) {
                throw new NumberFormatException(token);
            }
            return 0;
        }
        return Long.parseUnsignedLong(token);
    }
}
