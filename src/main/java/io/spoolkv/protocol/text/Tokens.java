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

    /** At most 250 bytes, none of them a control character (tabs and spaces included). */
    static boolean validKey(String token) {
        if (token.isEmpty() || token.length() > Key.MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
