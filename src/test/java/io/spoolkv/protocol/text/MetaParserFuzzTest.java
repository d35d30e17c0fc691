package io.spoolkv.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the meta commands' parser ({@link TextCommandParser} for {@code mg ms md ma me mn} lines), on
 * random lines. Seeded and replayable, see {@link FuzzRuns}.
 */
class MetaParserFuzzTest {

    static final int MAX_ITEM_SIZE = 2048;
    static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String TOKEN_CHARS = "abcXYZ0123456789+-=/_";
    /** memcached 1.6.18 refuses a meta line of more words than this (MFLAG_MAX_OPT_LENGTH, counted as words plus one). */
    static final int META_MAX_TOKENS = 19;
    static final int MAX_BINARY_KEY = 186;

    final TextCommandParser parser = new TextCommandParser(MAX_ITEM_SIZE);

    /**
     * Property: a well-formed meta line (any type, a text or base64 key, distinct flags that command takes, each
     * with a valid token, a data length for ms) parses to exactly that command: same type, key bytes, flags and
     * tokens in order; ms awaits exactly its data block (or skips it, refused as too large, unlinking the key in
     * any mode, as memcached 1.6.18 does); a line of more tokens than memcached allows is refused with its error
     * for that command, whatever the tokens.
     */
    @Test
    void wellFormedMetaLinesParseToTheirCommand() {
        FuzzRuns.check("meta lines", 5000, random -> {
            char type = "gsdaen".charAt(random.nextInt(6));
            boolean base64 = random.nextInt(4) == 0;
            byte[] key = base64 ? binaryKey(random) : textKey(random).getBytes(StandardCharsets.ISO_8859_1);
            List<MetaFlag> flags = type == 'n' ? List.of() : flags(random, type, base64);
            int length = random.nextInt(10) == 0 ? MAX_ITEM_SIZE + 1 + random.nextInt(1000) : random.nextInt(100);
            StringBuilder line = new StringBuilder("m").append(type);
            if (type != 'n') {
                line.append(' ').append(base64 ? Base64.getEncoder().encodeToString(key)
                        : new String(key, StandardCharsets.ISO_8859_1));
            }
            if (type == 's') {
                line.append(' ').append(length);
            }
            for (MetaFlag f : flags) {
                line.append(' ').append(f.name()).append(f.token());
            }
            int tokens = 2 + (type == 's' ? 1 : 0) + flags.size();
            // memcached counts the words before it looks at any flag, so repeats past its limit are refused as too long
            if ("gsda".indexOf(type) >= 0 && random.nextInt(8) == 0) {
                for (int extra = META_MAX_TOKENS + 1 - tokens + random.nextInt(4); extra > 0; extra--) {
                    line.append(" q");
                    tokens++;
                }
            }
            ParsedLine parsed = parser.parse(line.toString());
            String why = line.toString();

            if (type == 'n') {
                assertThat(command(parsed, why).type()).isEqualTo('n');
                return;
            }
            if (tokens > META_MAX_TOKENS) {
                assertThat(parsed).as(why).isEqualTo(TextCommandParser.invalid(type == 'g'
                        ? "CLIENT_ERROR options flags are too long" : "CLIENT_ERROR options flags too long"));
                return;
            }
            if (type == 's' && length > MAX_ITEM_SIZE) {
                assertThat(parsed).as(why).isInstanceOf(ParsedLine.Swallow.class);
                ParsedLine.Swallow swallow = (ParsedLine.Swallow) parsed;
                assertThat(swallow.length()).isEqualTo(length);
                assertThat(swallow.request().reply()).isEqualTo(TextCommandParser.TOO_LARGE);
                assertThat(swallow.request().unlink().bytes()).as(why).isEqualTo(key);
                return;
            }
            MetaCommand command;
            byte[] data = null;
            if (type == 's') {
                assertThat(parsed).as(why).isInstanceOf(ParsedLine.AwaitData.class);
                ParsedLine.AwaitData await = (ParsedLine.AwaitData) parsed;
                assertThat(await.length()).isEqualTo(length);
                data = new byte[length];
                random.nextBytes(data);
                command = ((TextRequest.Meta) await.consumer().complete(data)).command();
            } else {
                command = command(parsed, why);
            }
            assertThat(command.type()).as(why).isEqualTo(type);
            assertThat(command.key().bytes()).as(why).isEqualTo(key);
            assertThat(command.base64Key()).as(why).isEqualTo(base64);
            // me takes no flags: its b is part of how the key is read
            assertThat(command.flags()).as(why).isEqualTo(type == 'e' ? List.of() : flags);
            assertThat(command.value()).as(why).isEqualTo(data);
        });
    }

    /**
     * Property: any line starting with a meta command word, whatever follows (random bytes, control
     * characters, huge or negative numbers, flags that are not letters, repeated flags, bad base64), parses
     * without throwing to a request, or to one of memcached's error strings; a data length is never negative.
     */
    @Test
    void anyMetaLineParsesWithoutThrowing() {
        FuzzRuns.check("meta garbage", 5000, random -> {
            StringBuilder line = new StringBuilder("m").append("gsdaen".charAt(random.nextInt(6)));
            int tokens = random.nextInt(30);
            for (int i = 0; i < tokens; i++) {
                line.append(random.nextInt(8) == 0 ? "  " : " ").append(garbageToken(random));
            }
            ParsedLine parsed = parser.parse(line.toString());
            String why = ReplyStream.printable(line.toString());
            if (parsed instanceof ParsedLine.Complete c) {
                if (c.request() instanceof TextRequest.Invalid invalid) {
                    assertThat(ReplyStream.ERRORS).as(why).contains(invalid.reply());
                } else {
                    assertThat(c.request()).as(why).isInstanceOf(TextRequest.Meta.class);
                }
            } else if (parsed instanceof ParsedLine.AwaitData a) {
                assertThat(a.length()).as(why).isBetween(0, MAX_ITEM_SIZE);
            } else if (parsed instanceof ParsedLine.Swallow s) {
                assertThat(s.length()).as(why).isGreaterThanOrEqualTo(0);
                assertThat(ReplyStream.ERRORS).as(why).contains(s.request().reply());
            } else {
                fail("unexpected parse result %s for %s", parsed, why);
            }
        });
    }

    private static MetaCommand command(ParsedLine parsed, String why) {
        assertThat(parsed).as(why).isInstanceOf(ParsedLine.Complete.class);
        TextRequest request = ((ParsedLine.Complete) parsed).request();
        assertThat(request).as(why).isInstanceOf(TextRequest.Meta.class);
        return ((TextRequest.Meta) request).command();
    }

    /**
     * The flags each meta command takes, from memcached 1.6.18's protocol.txt, plus the later flags spoolkv
     * accepts on purpose (docs/compatibility.md, Differences): ms E and md x. me takes only b (placed by the caller), mn none.
     */
    static String acceptedFlags(char type) {
        return switch (type) {
            case 'g' -> "cfhklOqstuvNRT";
            case 's' -> "cCEFIkOqTM";
            case 'd' -> "CIkOqTx";
            case 'a' -> "CNJDTMOqtcvk";
            default -> "";
        };
    }

    /** Distinct flags the command takes, in random order, each with a valid token; b exactly when the key is base64. */
    private static List<MetaFlag> flags(Random random, char type, boolean base64) {
        List<Character> letters = new ArrayList<>();
        for (char c : acceptedFlags(type).toCharArray()) {
            letters.add(c);
        }
        java.util.Collections.shuffle(letters, random);
        int count = random.nextInt(4) == 0 ? letters.size() : random.nextInt(Math.min(6, letters.size()) + 1);
        List<MetaFlag> flags = new ArrayList<>();
        for (char name : letters.subList(0, count)) {
            flags.add(new MetaFlag(name, validToken(random, type, name)));
        }
        if (base64) {
            flags.add(type == 'e' ? 0 : random.nextInt(flags.size() + 1), new MetaFlag('b', ""));
        }
        return flags;
    }

    /** A token memcached 1.6.18 takes for the flag; flags without an argument ignore any token after the letter. */
    private static String validToken(Random random, char type, char name) {
        return switch (name) {
            // signed 32-bit, read as memcached's strtol does: a larger number is cut to 32 bits, not refused
            case 'N', 'T', 'R' -> String.valueOf(pick(random, -1L, 0L, 30L, 2_592_001L, Integer.MIN_VALUE,
                    Integer.MAX_VALUE, 4_294_967_396L, random.nextInt()));
            case 'F' -> Long.toUnsignedString(random.nextInt() & 0xFFFF_FFFFL);
            case 'C', 'E', 'J', 'D' -> Long.toUnsignedString(random.nextBoolean() ? random.nextLong() : random.nextInt(100));
            case 'M' -> {
                String modes = type == 's' ? "EAPRS" : "I+D-";
                yield String.valueOf(modes.charAt(random.nextInt(modes.length())));
            }
            // O: up to memcached's 32 bytes, its letter included
            case 'O' -> token(random, random.nextInt(MetaCommandParser.MAX_OPAQUE_LENGTH));
            default -> token(random, random.nextInt(3) == 0 ? 1 + random.nextInt(12) : 0);
        };
    }

    private static long pick(Random random, long... values) {
        return values[random.nextInt(values.length)];
    }

    private static String textKey(Random random) {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'()*+,-./:;<=>?@[]^_`{|}~";
        int length = random.nextInt(20) == 0 ? 250 : 1 + random.nextInt(30);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(chars.charAt(random.nextInt(chars.length())));
        }
        return sb.toString();
    }

    /**
     * Any bytes, spaces and control bytes included: what base64 keys exist for. memcached 1.6.18 checks its
     * 250-byte key limit on the base64 token, so the longest binary key is 186 bytes (248 characters).
     */
    private static byte[] binaryKey(Random random) {
        byte[] key = new byte[random.nextInt(20) == 0 ? MAX_BINARY_KEY : 1 + random.nextInt(40)];
        random.nextBytes(key);
        return key;
    }

    private static String token(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(TOKEN_CHARS.charAt(random.nextInt(TOKEN_CHARS.length())));
        }
        return sb.toString();
    }

    private static String garbageToken(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> String.valueOf(random.nextLong());
            case 1 -> Arrays.asList("4294967296", "2147483646", "-1", "18446744073709551616", "0", "2049")
                    .get(random.nextInt(6));
            case 2 -> LETTERS.charAt(random.nextInt(LETTERS.length())) + token(random, random.nextInt(4));
            case 3 -> "b";
            case 4 -> Base64.getEncoder().encodeToString(binaryKey(random)) + (random.nextBoolean() ? "" : "%");
            case 5 -> "x".repeat(200 + random.nextInt(100));
            case 6 -> {
                byte[] b = new byte[1 + random.nextInt(6)];
                random.nextBytes(b);
                // the decoder hands the parser lines without LF; spaces split tokens
                String s = new String(b, StandardCharsets.ISO_8859_1).replace('\n', '?').replace(' ', '_');
                yield s;
            }
            default -> textKey(random);
        };
    }
}
