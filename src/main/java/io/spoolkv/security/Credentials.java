package io.spoolkv.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The users of memcached's auth file ({@code -Y}): one {@code user:password} per line, the password being
 * everything after the first colon. Immutable; checks passwords in constant time. Shared by every protocol's
 * login (the text {@code set} login now, SASL PLAIN over the binary protocol later).
 */
public final class Credentials {

    /** Compared against when the user is unknown, so an unknown user costs the same as a wrong password. */
    private static final byte[] NO_PASSWORD = new byte[32];

    private final Map<String, byte[]> passwords;

    private Credentials(Map<String, byte[]> passwords) {
        this.passwords = passwords;
    }

    /**
     * Parses the file's bytes. Blank lines are skipped; a line without a colon, an empty user or password,
     * a space in either (the text login splits on spaces, so such a user could never log in), or a user
     * named twice is refused with its line number, never its content.
     *
     * @throws IllegalArgumentException what is wrong, and on which line
     */
    public static Credentials parse(byte[] file) {
        Map<String, byte[]> users = new HashMap<>();
        int start = 0;
        for (int lineNo = 1; start < file.length; lineNo++) {
            int end = indexOf(file, (byte) '\n', start);
            int stop = end > start && file[end - 1] == '\r' ? end - 1 : end;
            byte[] line = Arrays.copyOfRange(file, start, stop);
            start = end + 1;
            if (line.length == 0) {
                continue;
            }
            int colon = indexOf(line, (byte) ':', 0);
            if (colon == line.length) {
                throw new IllegalArgumentException("line " + lineNo + ": expected user:password");
            }
            byte[] user = Arrays.copyOfRange(line, 0, colon);
            byte[] password = Arrays.copyOfRange(line, colon + 1, line.length);
            if (user.length == 0 || password.length == 0) {
                throw new IllegalArgumentException("line " + lineNo + ": empty user or password");
            }
            if (indexOf(line, (byte) ' ', 0) != line.length) {
                throw new IllegalArgumentException("line " + lineNo + ": a user or password contains a space");
            }
            if (users.put(new String(user, StandardCharsets.UTF_8), password) != null) {
                throw new IllegalArgumentException("line " + lineNo + ": the user is named twice");
            }
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("no user:password line");
        }
        return new Credentials(Map.copyOf(users));
    }

    /** The user exists and has exactly this password; compared in constant time. */
    public boolean matches(String user, byte[] password) {
        byte[] expected = passwords.get(user);
        boolean equal = MessageDigest.isEqual(expected == null ? NO_PASSWORD : expected, password);
        return expected != null && equal;
    }

    public int users() {
        return passwords.size();
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }
}
