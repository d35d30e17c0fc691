package io.spoolkv.protocol.text;

/** Decimal parsing with memcached's rules for unsigned 64-bit numbers. */
final class Numbers {

    private Numbers() {
    }

    /** Parses a 32-bit unsigned decimal (client flags); anything else is refused. */
    static long parseUnsigned32(String token) {
        long v = Long.parseLong(token);
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new NumberFormatException(token);
        }
        return v;
    }

    /** Parses 1 to 20 decimal digits into an unsigned 64-bit value; anything else is refused. */
    static long parseUnsigned64(String token) {
        if (token.isEmpty() || token.length() > 20 || token.charAt(0) == '-' || token.charAt(0) == '+') {
            throw new NumberFormatException(token);
        }
        return Long.parseUnsignedLong(token);
    }
}
