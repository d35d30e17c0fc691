package io.spoolkv.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.store.Key;
import io.spoolkv.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LineTokens}: memcached's tokenizer as offsets over a reused line. */
class LineTokensTest {

    /**
     * Property: one reused tokenizer splits random lines (spaces in runs, NUL bytes, every other byte value, up to
     * 60 tokens, long lines after short ones and back) exactly as memcached's tokenizer: on spaces, empty tokens
     * skipped, nothing after a NUL; each token's key has the token's bytes. Lines are read from the middle of a
     * buffer, which is left unchanged.
     */
    @Test
    void splitsLikeMemcachedsTokenizerLineAfterLine() {
        LineTokens tokens = new LineTokens();
        FuzzRuns.check("token lines", 3000, random -> {
            for (int n = 0; n < 4; n++) {
                byte[] line = line(random);
                ByteBuf buf = Unpooled.buffer();
                try {
                    buf.writeBytes("xx ".getBytes(StandardCharsets.ISO_8859_1)).writeBytes(line).writeBytes(" yy".getBytes(StandardCharsets.ISO_8859_1));
                    tokens.read(buf, 3, line.length);
                    assertThat(buf.readerIndex()).isZero();
                } finally {
                    buf.release();
                }
                List<String> expected = reference(line);
                assertThat(tokens.texts()).isEqualTo(expected);
                assertThat(tokens.count()).isEqualTo(expected.size());
                for (int i = 0; i < expected.size(); i++) {
                    byte[] bytes = expected.get(i).getBytes(StandardCharsets.ISO_8859_1);
                    assertThat(tokens.length(i)).isEqualTo(bytes.length);
                    assertThat(tokens.key(i)).isEqualTo(Key.wrap(bytes));
                    assertThat(tokens.key(i).bytes()).isEqualTo(bytes);
                    assertThat(tokens.is(i, expected.get(i))).isTrue();
                }
            }
        });
    }

    /** Property: a command is found as the table's own constant (no new String), and only on an exact match. */
    @Test
    void lookupFindsOnlyExactCommandsAndReturnsTheConstant() {
        String[] names = {"get", "gets", "set"};
        LineTokens tokens = new LineTokens().read("gets ge get getsx GET set\u0000get");
        assertThat(tokens.count()).isEqualTo(6);
        assertThat(tokens.lookup(0, names)).isSameAs(names[1]);
        assertThat(tokens.lookup(1, names)).isNull();
        assertThat(tokens.lookup(2, names)).isSameAs(names[0]);
        assertThat(tokens.lookup(3, names)).isNull();
        assertThat(tokens.lookup(4, names)).isNull();
        assertThat(tokens.lookup(5, names)).isSameAs(names[2]);
        assertThat(tokens.startsWith(3, "gets")).isTrue();
        assertThat(tokens.startsWith(1, "get")).isFalse();
    }

    /** Property: a key copied from the line stays what it was when the tokenizer reads the next line. */
    @Test
    void keysDoNotShareTheReusedLine() {
        LineTokens tokens = new LineTokens();
        io.netty.buffer.ByteBuf alpha = io.netty.buffer.Unpooled.copiedBuffer("get alpha", StandardCharsets.ISO_8859_1);
        io.netty.buffer.ByteBuf omega = io.netty.buffer.Unpooled.copiedBuffer("get omega", StandardCharsets.ISO_8859_1);
        Key first;
        try {
            first = tokens.read(alpha, 0, alpha.readableBytes()).key(1); // the path that reuses the line array
            tokens.read(omega, 0, omega.readableBytes());
        } finally {
            alpha.release();
            omega.release();
        }
        assertThat(first).isEqualTo(Key.of("alpha"));
        assertThat(tokens.key(1)).isEqualTo(Key.of("omega"));
    }

    private static byte[] line(Random random) {
        int tokens = random.nextInt(10) == 0 ? 20 + random.nextInt(40) : random.nextInt(8);
        byte[] out = new byte[0];
        for (int t = 0; t < tokens; t++) {
            int spaces = random.nextInt(4) == 0 ? random.nextInt(4) : 1;
            int length = 1 + random.nextInt(random.nextInt(10) == 0 ? 300 : 12);
            byte[] token = new byte[spaces + length];
            Arrays.fill(token, 0, spaces, (byte) ' ');
            for (int i = spaces; i < token.length; i++) {
                token[i] = random.nextInt(50) == 0 ? (byte) random.nextInt(256) : (byte) ('a' + random.nextInt(26));
            }
            out = concat(out, token);
        }
        return random.nextBoolean() ? concat(out, "  ".getBytes(StandardCharsets.ISO_8859_1)) : out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** memcached's tokenizer over a C string: the oracle, written over Strings as the parser once was. */
    private static List<String> reference(byte[] line) {
        String text = new String(line, StandardCharsets.ISO_8859_1);
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            text = text.substring(0, nul);
        }
        List<String> tokens = new ArrayList<>();
        for (String part : text.split(" ")) {
            if (!part.isEmpty()) {
                tokens.add(part);
            }
        }
        return tokens;
    }
}
