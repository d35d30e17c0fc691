package io.spoolkv.protocol.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks that bytes a connection sent are a sequence of well-formed memcached text-protocol replies: every
 * line ends in CRLF and has no LF before it, every data block ({@code VALUE}, {@code VA}) has exactly its announced length and its
 * CRLF, and every error is one of memcached's strings. Used by the fuzz tests on whatever a mutated request
 * stream produced.
 */
final class ReplyStream {

    /** Every error string the server may send (memcached 1.6's, plus what the stream stand-in answers). */
    static final Set<String> ERRORS = Set.of(
            "ERROR",
            "CLIENT_ERROR bad command line format",
            "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]",
            "CLIENT_ERROR bad data chunk",
            "CLIENT_ERROR bad token in command line format",
            "CLIENT_ERROR cannot increment or decrement non-numeric value",
            "CLIENT_ERROR duplicate flag",
            "CLIENT_ERROR error decoding key",
            "CLIENT_ERROR invalid exptime argument",
            "CLIENT_ERROR invalid flag",
            "CLIENT_ERROR invalid or duplicate flag",
            "CLIENT_ERROR incorrect length for M token",
            "CLIENT_ERROR invalid mode for ma M token",
            "CLIENT_ERROR invalid mode for ms M token",
            "CLIENT_ERROR invalid numeric initial value",
            "CLIENT_ERROR invalid numeric delta value",
            "CLIENT_ERROR opaque token too long",
            "CLIENT_ERROR invalid numeric delta argument",
            "CLIENT_ERROR line too long",
            "CLIENT_ERROR options flags are too long",
            "CLIENT_ERROR options flags too long",
            "CLIENT_ERROR Illegal slab id",
            "CLIENT_ERROR bad command line",
            "CLIENT_ERROR lru crawler disabled",
            "CLIENT_ERROR sleep must be one second or less",
            "CLIENT_ERROR usage: stats detail on|off|dump",
            "ERROR: shutdown not enabled",
            "SERVER_ERROR object too large for cache",
            "SERVER_ERROR key dump failed",
            "SERVER_ERROR retrieval line longer than " + FuzzPipeline.MAX_RETRIEVAL_LINE
                    + " bytes (spoolkv.server.max-retrieval-line)",
            "SERVER_ERROR no spool for this connection",
            "BUSY currently processing crawler request",
            "BADCLASS invalid class id");
    private static final Set<String> WORDS = Set.of("STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED",
            "TOUCHED", "OK", "END", "MN", "RESET");

    private ReplyStream() {
    }

    /**
     * Splits {@code bytes} into replies (a line, or a line with its data block).
     *
     * @throws AssertionError naming the offset and the bytes when they are not well-formed replies
     */
    static List<String> parse(byte[] bytes) {
        List<String> replies = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int eol = lineEnd(bytes, at);
            String line = new String(bytes, at, eol - at, StandardCharsets.ISO_8859_1);
            at = eol + 2;
            int block = blockLength(line, at);
            if (block >= 0) {
                if (at + block + 2 > bytes.length || bytes[at + block] != '\r' || bytes[at + block + 1] != '\n') {
                    throw malformed(bytes, at, "data block of " + block + " bytes not ended by CRLF after " + line);
                }
                at += block + 2;
            } else if (!wellFormedLine(line)) {
                throw malformed(bytes, at - line.length() - 2, "not a memcached reply line: " + printable(line));
            }
            replies.add(line);
        }
        return replies;
    }

    /**
     * The index of the CR of the first CRLF from {@code from}; no LF may come before it. A bare CR may: a meta
     * reply echoes the client's opaque and key tokens as sent, and the decoder only splits lines at LF.
     */
    private static int lineEnd(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                throw malformed(bytes, from, "bare LF");
            }
            if (bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                return i;
            }
        }
        throw malformed(bytes, from, "reply line without CRLF (cut short)");
    }

    /** The data length a VALUE or VA line announces, or -1 for a line without a block. */
    private static int blockLength(String line, int at) {
        String[] t = line.split(" ", -1);
        if (t[0].equals("VALUE")) {
            if (t.length < 4 || t.length > 5 || !validKey(t[1]) || !unsigned(t[2]) || !unsigned(t[3])
                    || t.length == 5 && !unsigned(t[4])) {
                throw new AssertionError("bad VALUE line at " + at + ": " + printable(line));
            }
            return Integer.parseInt(t[3]);
        }
        if (t[0].equals("VA")) {
            if (t.length < 2 || !unsigned(t[1]) || !metaFlags(t, 2)) {
                throw new AssertionError("bad VA line at " + at + ": " + printable(line));
            }
            return Integer.parseInt(t[1]);
        }
        return -1;
    }

    private static boolean wellFormedLine(String line) {
        if (WORDS.contains(line) || ERRORS.contains(line)) {
            return true;
        }
        String[] t = line.split(" ", -1);
        return switch (t[0]) {
            case "HD", "NF", "NS", "EX", "EN" -> metaFlags(t, 1); // meta status codes may carry returned flags
            case "ME" -> t.length >= 2 && validKey(t[1]);
            case "STAT" -> t.length >= 3 && !t[1].isEmpty();
            case "ITEM", "PREFIX" -> t.length >= 3 && !t[1].isEmpty(); // stats cachedump, stats detail dump
            case "VERSION" -> t.length == 2 && !t[1].isEmpty();
            default -> t.length == 1 && unsigned(t[0]); // incr/decr
        };
    }

    /** Returned meta flags: a letter, then a token without spaces. */
    private static boolean metaFlags(String[] t, int from) {
        for (int i = from; i < t.length; i++) {
            if (t[i].isEmpty() || !Character.isLetter(t[i].charAt(0))) {
                return false;
            }
        }
        return true;
    }

    /** memcached 1.6.18 takes any bytes but space and LF in a key (the line split already excludes both). */
    private static boolean validKey(String key) {
        return !key.isEmpty() && key.length() <= 250;
    }

    private static boolean unsigned(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static AssertionError malformed(byte[] bytes, int at, String why) {
        int from = Math.max(0, at - 40);
        int to = Math.min(bytes.length, at + 80);
        return new AssertionError("replies not well-formed at byte " + at + " (" + why + "), around: "
                + printable(new String(bytes, from, to - from, StandardCharsets.ISO_8859_1)));
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < ' ' || c >= 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() > 400 ? sb.substring(0, 400) + "..." : sb.toString();
    }
}
