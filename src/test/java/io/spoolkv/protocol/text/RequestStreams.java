package io.spoolkv.protocol.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

/**
 * Generates memcached text-protocol request streams for the fuzz tests: valid commands of every kind
 * (classic, meta, storage with data blocks, stats, background), then byte-level mutations of them, and
 * random split points. Everything comes from the caller's {@link Random}, so a seed replays a stream.
 */
final class RequestStreams {

    /** Command words the mutations splice in, so mutated lines still reach deep into the parser. */
    private static final String[] WORDS = {"get", "gets", "gat", "gats", "set", "add", "replace", "append",
            "prepend", "cas", "delete", "incr", "decr", "touch", "flush_all", "stats", "version", "verbosity",
            "mg", "ms", "md", "ma", "me", "mn", "lru_crawler", "watch", "noreply", "metadump", "all"};
    private static final String[] HUGE = {"4294967295", "4294967296", "2147483647", "2147483646", "2147483648",
            "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
            "-1", "-2147483648", "-9223372036854775809", "99999999999999999999999999", "0x10", "1e9", "+5", "-0"};
    private static final byte[] CONTROL = {0, '\r', '\n', ' ', '\t', 0x7f, (byte) 0x80, (byte) 0xff, 0x10, 0x1b};
    private static final String KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_:.-";

    private final Random random;
    private final int maxItemSize;

    RequestStreams(Random random, int maxItemSize) {
        this.random = random;
        this.maxItemSize = maxItemSize;
    }

    /**
     * A stream of {@code commands} valid commands.
     *
     * @param withQuit whether {@code quit} may appear (it closes the connection)
     * @param withStats whether {@code stats} may appear (its figures differ between two connections)
     */
    byte[] validStream(int commands, boolean withQuit, boolean withStats) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < commands; i++) {
            out.writeBytes(command(withQuit, withStats));
        }
        return out.toByteArray();
    }

    /** One valid command (with its data block, if any). */
    byte[] command(boolean withQuit, boolean withStats) {
        // quit ends the connection and everything after it: rare, so most streams run to their end
        int kind = withQuit && random.nextInt(100) == 0 ? 28 : random.nextInt(28);
        return switch (kind) {
            case 0, 1 -> line("get " + keys());
            case 2 -> line("gets " + keys());
            case 3 -> line("gat " + exptime() + " " + keys());
            case 4 -> line("gats " + exptime() + " " + keys());
            case 5, 6 -> storage("set");
            case 7 -> storage("add");
            case 8 -> storage("replace");
            case 9 -> storage("append");
            case 10 -> storage("prepend");
            case 11 -> storage("cas");
            case 12 -> line("delete " + key() + noreply());
            case 13 -> line((random.nextBoolean() ? "incr " : "decr ") + key() + " " + delta() + noreply());
            case 14 -> line("touch " + key() + " " + exptime() + noreply());
            case 15 -> line("flush_all" + (random.nextInt(4) == 0 ? " " + random.nextInt(100) : "") + noreply());
            case 16 -> line(withStats ? "stats" + pick("", " settings", " items", " slabs", " sizes", " conns")
                    : "version");
            case 17 -> line("version");
            case 18 -> line("verbosity " + random.nextInt(3) + noreply());
            case 19 -> line("mn");
            case 20, 21 -> metaGet();
            case 22, 23 -> metaSet();
            case 24 -> line("md " + metaKey() + metaFlags("qCITkO"));
            case 25 -> line("ma " + metaKey() + metaFlags("NJDTMqOktcv"));
            case 26 -> line("me " + key());
            case 27 -> line(pick("lru_crawler metadump all", "lru_crawler mgdump hash", "lru_crawler metadump 1",
                    "lru_crawler crawl all", "watch fetchers", "watch mutations", "lru_crawler metadump 99"));
            default -> line("quit");
        };
    }

    /** {@code stream} with one to four random mutations. */
    byte[] mutate(byte[] stream) {
        byte[] s = stream;
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            s = mutateOnce(s);
        }
        return s;
    }

    private byte[] mutateOnce(byte[] s) {
        int at = s.length == 0 ? 0 : random.nextInt(s.length + 1);
        return switch (random.nextInt(9)) {
            case 0 -> flip(s, at);
            case 1 -> splice(s, at, 0, randomBytes(1 + random.nextInt(8)));
            case 2 -> splice(s, at, Math.min(s.length - at, 1 + random.nextInt(16)), new byte[0]);
            case 3 -> Arrays.copyOf(s, at); // truncated
            case 4 -> replaceNumber(s, at);
            case 5 -> splice(s, at, 0, ascii(" " + longToken()));
            case 6 -> splice(s, at, 0, ascii(pick(WORDS) + (random.nextBoolean() ? " " : "\r\n")));
            case 7 -> splice(s, at, 0, new byte[] {CONTROL[random.nextInt(CONTROL.length)]});
            default -> duplicate(s, at);
        };
    }

    /** Cut points for writing {@code length} bytes in several writes: sorted, in (0, length). */
    int[] splits(int length) {
        if (length < 2) {
            return new int[0];
        }
        int count = random.nextInt(Math.min(12, length));
        int[] cuts = new int[count];
        for (int i = 0; i < count; i++) {
            cuts[i] = 1 + random.nextInt(length - 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    // ---------------------------------------------------------------- valid pieces

    private byte[] storage(String cmd) {
        byte[] data = value();
        StringBuilder line = new StringBuilder(cmd).append(' ').append(key()).append(' ').append(flags())
                .append(' ').append(exptime()).append(' ').append(data.length);
        if (cmd.equals("cas")) {
            line.append(' ').append(random.nextInt(50));
        }
        line.append(noreply());
        return withData(line.toString(), data);
    }

    private byte[] metaGet() {
        boolean base64 = random.nextInt(5) == 0;
        String key = key();
        String token = base64 ? Base64.getEncoder().encodeToString(ascii(key)) : key;
        return line("mg " + token + (base64 ? " b" : "") + metaFlags("cfhklOqstvTNE"));
    }

    private byte[] metaSet() {
        byte[] data = value();
        return withData("ms " + metaKey() + " " + data.length + metaFlags("cFTIqMCkO"), data);
    }

    private String metaKey() {
        return key();
    }

    /** Distinct flags picked from {@code names}, with a token where the flag takes one. */
    private String metaFlags(String names) {
        StringBuilder sb = new StringBuilder();
        for (char name : names.toCharArray()) {
            if (random.nextInt(3) != 0) {
                continue;
            }
            sb.append(' ').append(name);
            switch (name) {
                case 'T', 'N' -> sb.append(exptime());
                case 'F' -> sb.append(flags());
                case 'O' -> sb.append("op").append(random.nextInt(100));
                case 'C', 'E' -> sb.append(random.nextInt(50));
                case 'J', 'D' -> sb.append(random.nextInt(1000));
                case 'M' -> sb.append(pick(names.indexOf('J') >= 0 ? new String[] {"I", "+", "D", "-", "i"}
                        : new String[] {"E", "A", "P", "R", "S", "s"}));
                default -> { }
            }
        }
        return sb.toString();
    }

    private String keys() {
        StringBuilder sb = new StringBuilder(key());
        int more = random.nextInt(4) == 0 ? random.nextInt(20) : random.nextInt(3);
        for (int i = 0; i < more; i++) {
            sb.append(' ').append(key());
        }
        return sb.toString();
    }

    /** Mostly a few short keys (so commands hit each other's items), sometimes one of the longest allowed. */
    String key() {
        if (random.nextInt(50) == 0) {
            return "k".repeat(250);
        }
        int length = 1 + random.nextInt(random.nextInt(8) == 0 ? 40 : 2);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(KEY_CHARS.charAt(random.nextInt(i == 0 ? 6 : KEY_CHARS.length())));
        }
        return sb.toString();
    }

    private byte[] value() {
        int length = switch (random.nextInt(20)) {
            case 0 -> maxItemSize + 1 + random.nextInt(64); // too large: refused, its block skipped
            case 1 -> maxItemSize;
            case 2, 3 -> 0;
            case 4, 5 -> -1; // a number, for incr/decr and ma
            default -> random.nextInt(64);
        };
        if (length < 0) {
            int digits = random.nextInt(8) == 0 ? 20 : 1 + random.nextInt(4);
            StringBuilder number = new StringBuilder(digits);
            for (int i = 0; i < digits; i++) {
                number.append((char) ('0' + random.nextInt(10)));
            }
            return ascii(number.toString());
        }
        return randomBytes(length); // any bytes, CR and LF included: data is framed by length only
    }

    private String flags() {
        return random.nextInt(10) == 0 ? "4294967295" : String.valueOf(random.nextInt(1000));
    }

    private String exptime() {
        return switch (random.nextInt(6)) {
            case 0 -> "-1";
            case 1 -> random.nextInt(5) == 0 ? String.valueOf(2_592_000 + random.nextInt(10)) : "0"; // 30-day boundary
            default -> String.valueOf(random.nextInt(100));
        };
    }

    private String delta() {
        return random.nextInt(10) == 0 ? "18446744073709551615" : String.valueOf(random.nextInt(1000));
    }

    private String noreply() {
        return random.nextInt(6) == 0 ? " noreply" : "";
    }

    // ---------------------------------------------------------------- mutations

    private byte[] flip(byte[] s, int at) {
        if (s.length == 0) {
            return s;
        }
        byte[] copy = s.clone();
        copy[Math.min(at, s.length - 1)] = (byte) random.nextInt(256);
        return copy;
    }

    /** Replaces the digit run at or after {@code at} with a huge, negative or malformed number. */
    private byte[] replaceNumber(byte[] s, int at) {
        int start = at;
        while (start < s.length && !Character.isDigit(s[start])) {
            start++;
        }
        if (start >= s.length) {
            return splice(s, at, 0, ascii(" " + pick(HUGE)));
        }
        int end = start;
        while (end < s.length && Character.isDigit(s[end])) {
            end++;
        }
        return splice(s, start, end - start, ascii(pick(HUGE)));
    }

    private byte[] duplicate(byte[] s, int at) {
        int length = Math.min(s.length - at, 1 + random.nextInt(64));
        return splice(s, at, 0, Arrays.copyOfRange(s, at, at + length));
    }

    /** A token longer than a key, sometimes longer than a command line, rarely longer than a retrieval line. */
    private String longToken() {
        int length = switch (random.nextInt(10)) {
            case 0 -> 70_000;
            case 1, 2 -> 2_049 + random.nextInt(200);
            default -> 251 + random.nextInt(300);
        };
        return "x".repeat(length);
    }

    private static byte[] splice(byte[] s, int at, int remove, byte[] insert) {
        byte[] out = new byte[s.length - remove + insert.length];
        System.arraycopy(s, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(s, at + remove, out, at + insert.length, s.length - at - remove);
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private byte[] randomBytes(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] line(String text) {
        return ascii(text + "\r\n");
    }

    private static byte[] withData(String line, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(line.length() + data.length + 4);
        out.writeBytes(ascii(line + "\r\n"));
        out.writeBytes(data);
        out.writeBytes(ascii("\r\n"));
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
