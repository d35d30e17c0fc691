package io.spoolkv.protocol.text;

import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Token rules of the text protocol. Lines are decoded as ISO-8859-1 so that every byte maps to
 * one char and back: keys keep their exact bytes whatever the client's encoding.
 */
final class Tokens {

    private Tokens() {
    }

    /** Splits on spaces, skipping empty tokens, as memcached's tokenizer does. */
    static List<String> split(String line) {
        List<String> tokens = new ArrayList<>(8);
        int start = -1;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ' ') {
                if (start >= 0) {
                    tokens.add(line.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            tokens.add(line.substring(start));
        }
        return tokens;
    }

    /**
     * 1 to 250 bytes, as memcached 1.6.18 checks: a token never holds a space, NUL or LF (see
     * {@link #line}), and every other byte, control bytes included, is part of the key. The
     * protocol text's "no control characters" is advice to clients, not a server rule.
     */
    static boolean validKey(String token) {
        return !token.isEmpty() && token.length() <= Key.MAX_LENGTH;
    }

    /** memcached reads a command line as a C string: a NUL byte ends it. */
    static String line(String line) {
        int nul = line.indexOf('\0');
        return nul < 0 ? line : line.substring(0, nul);
    }

    static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
