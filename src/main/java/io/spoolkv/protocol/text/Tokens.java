package io.spoolkv.protocol.text;

import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;

/**
 * Token rules of the text protocol. Lines are decoded as ISO-8859-1 so that every byte maps to
 * one char and back: keys keep their exact bytes whatever the client's encoding.
 */
final class Tokens {

    private Tokens() {
    }

    /**
     * 1 to 250 bytes, as memcached 1.6.18 checks: a token never holds a space, NUL or LF (see
     * {@link LineTokens}), and every other byte, control bytes included, is part of the key. The
     * protocol text's "no control characters" is advice to clients, not a server rule.
     */
    static boolean validKey(String token) {
        return !token.isEmpty() && token.length() <= Key.MAX_LENGTH;
    }

    static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
