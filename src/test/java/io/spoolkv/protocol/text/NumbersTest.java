package io.spoolkv.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link Numbers} parses straight from a line's bytes; these properties hold it to the JDK's String parsers that
 * memcached's rules were first written with (Long.parseLong, Long.parseUnsignedLong), so no reply changes.
 */
class NumbersTest {

    /** Bytes a number token may hold, and near-misses: signs, letters, Latin-1 superscript digits, high bytes. */
    private static final byte[] ALPHABET = "0123456789+-xa ".getBytes(StandardCharsets.ISO_8859_1);
    private static final List<String> EDGES = List.of("0", "-0", "+0", "+", "-", "", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
            "18446744073709551616", "18446744073709551625", "99999999999999999999", "4294967296", "4294967295",
            "2147483648", "-2147483649", "+18446744073709551615", "--1", "+-1", "1+", "00000000000000000000000001",
            "\u00b2", "1\u00b3", "\u00b9", "\u00ff1");

    /** Property: every edge token parses to the JDK's value, or both refuse it. */
    @Test
    void edgeTokensParseAsTheJdkParsersDo() {
        for (String token : EDGES) {
            assertSameAsJdk(token);
        }
    }

    /**
     * Property: random tokens (digits, signs, other bytes, lengths 0 to 22) parse to the JDK's value or are refused
     * by both, read from the middle of a larger array (the parser must keep to its bounds).
     */
    @Test
    void randomTokensParseAsTheJdkParsersDo() {
        FuzzRuns.check("number tokens", 20000, random -> assertSameAsJdk(token(random)));
    }

    private static String token(Random random) {
        int length = random.nextInt(23);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = random.nextInt(20) == 0 ? (byte) random.nextInt(256)
                    : ALPHABET[random.nextInt(i == 0 ? ALPHABET.length : 10)];
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static void assertSameAsJdk(String token) {
        byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
        // The token sits between other digits: a parser that reads past its bounds gets another number.
        byte[] padded = new byte[bytes.length + 4];
        padded[0] = '7';
        padded[1] = '7';
        padded[padded.length - 2] = '7';
        padded[padded.length - 1] = '7';
        System.arraycopy(bytes, 0, padded, 2, bytes.length);
        int to = 2 + bytes.length;
        check(token, "parseLong", Long::parseLong, t -> Numbers.parseLong(padded, 2, to));
        check(token, "signed32", t -> (int) Long.parseLong(t), t -> Numbers.signed32(padded, 2, to));
        check(token, "parseUnsigned64", NumbersTest::jdkUnsigned64, t -> Numbers.parseUnsigned64(padded, 2, to));
        check(token, "parseUnsigned32", t -> jdkUnsigned64(t) & 0xFFFF_FFFFL,
                t -> Numbers.parseUnsigned32(padded, 2, to));
        check(token, "parseUnsigned64(String)", NumbersTest::jdkUnsigned64, Numbers::parseUnsigned64);
    }

    /** memcached's safe_strtoull as it was written over Strings: a minus sign only for zero. */
    private static long jdkUnsigned64(String token) {
        if (token.startsWith("-")) {
            if (Long.parseLong(token) != 0) {
                throw new NumberFormatException(token);
            }
            return 0;
        }
        return Long.parseUnsignedLong(token);
    }

    private static void check(String token, String rule, ToLongFunction<String> jdk, ToLongFunction<String> ours) {
        String expected = outcome(token, jdk);
        assertThat(outcome(token, ours)).as("%s of \"%s\"", rule, token).isEqualTo(expected);
    }

    private static String outcome(String token, ToLongFunction<String> parser) {
        try {
            return Long.toString(parser.applyAsLong(token));
        } catch (NumberFormatException e) {
            return "refused";
        }
    }
}
