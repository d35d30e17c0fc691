package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One command line split into tokens as offsets over its bytes, reused line after line: the hot commands parse
 * without a String or a token list per line (keys and numbers come from the bytes). Splits as memcached's tokenizer
 * does: on spaces, empty tokens skipped, a NUL byte ends the line (a C string). The bytes are a copy, so no buffer
 * reference outlives {@link #read}.
 *
 * <p>One per thread ({@link #forThread}), not per connection: a line is parsed from start to end on one thread
 * (the channel's event loop), and idle connections then hold no line buffer.
 */
final class LineTokens {

    private static final FastThreadLocal<LineTokens> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected LineTokens initialValue() {
            return new LineTokens();
        }
    };

    private byte[] line = new byte[256];
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private int count;

    /** This thread's tokenizer; what it holds is valid until this thread reads the next line. */
    static LineTokens forThread() {
        return PER_THREAD.get();
    }

    /** Tokenizes {@code length} bytes of {@code in} from {@code index}; the buffer is not changed. */
    LineTokens read(ByteBuf in, int index, int length) {
        if (line.length < length) {
            line = new byte[Math.max(length, line.length * 2)];
        }
        in.getBytes(index, line, 0, length);
        return split(length);
    }

    /** Tokenizes a line given as text (ISO-8859-1: one byte per char); for tests and callers holding a String. */
    LineTokens read(String text) {
        line = text.getBytes(StandardCharsets.ISO_8859_1);
        return split(line.length);
    }

    private LineTokens split(int length) {
        count = 0;
        int start = -1;
        int i = 0;
        for (; i < length && line[i] != 0; i++) {
            if (line[i] == ' ') {
                if (start >= 0) {
                    add(start, i);
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            add(start, i);
        }
        return this;
    }

    private void add(int start, int end) {
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
        }
        starts[count] = start;
        ends[count] = end;
        count++;
    }

    int count() {
        return count;
    }

    int length(int token) {
        return ends[token] - starts[token];
    }

    /** The token equals {@code ascii}. */
    boolean is(int token, String ascii) {
        return length(token) == ascii.length() && startsWith(token, ascii);
    }

    /** The token begins with {@code ascii} (compared as ISO-8859-1: one char per byte). */
    boolean startsWith(int token, String ascii) {
        int start = starts[token];
        if (length(token) < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if ((line[start + i] & 0xFF) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The entry of {@code names} the token equals (the constant itself, so a switch needs no new String), or null. */
    String lookup(int token, String[] names) {
        for (String name : names) {
            if (is(token, name)) {
                return name;
            }
        }
        return null;
    }

    /** The token as a key, its bytes copied; the caller checks its length. */
    Key key(int token) {
        return Key.copyOf(line, starts[token], ends[token]);
    }

    long parseUnsigned32(int token) {
        return Numbers.parseUnsigned32(line, starts[token], ends[token]);
    }

    int signed32(int token) {
        return Numbers.signed32(line, starts[token], ends[token]);
    }

    long parseUnsigned64(int token) {
        return Numbers.parseUnsigned64(line, starts[token], ends[token]);
    }

    long parseLong(int token) {
        return Numbers.parseLong(line, starts[token], ends[token]);
    }

    /** The token as text, for the commands that are not on the hot path. */
    String text(int token) {
        return new String(line, starts[token], length(token), StandardCharsets.ISO_8859_1);
    }

    /** Every token as text, for the commands that are not on the hot path (admin commands, meta commands). */
    List<String> texts() {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            texts.add(text(i));
        }
        return texts;
    }
}
