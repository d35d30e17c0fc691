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

    final TextCommandParser parser = new TextCommandParser(MAX_ITEM_SIZE);

    /**
     * Property: a well-formed meta line (any type, a text or base64 key, distinct flags with tokens, a data
     * length for ms) parses to exactly that command: same type, key bytes, flags and tokens in order; ms awaits
     * exactly its data block (or skips it, refused as too large, unlinking the key only in set mode); more
     * tokens than memcached allows are refused with its error.
     */
    @Test
    void wellFormedMetaLinesParseToTheirCommand() {
        FuzzRuns.check("meta lines", 5000, random -> {
            char type = "gsdaen".charAt(random.nextInt(6));
            boolean base64 = random.nextInt(4) == 0;
            byte[] key = base64 ? binaryKey(random) : textKey(random).getBytes(StandardCharsets.ISO_8859_1);
            List<MetaFlag> flags = flags(random, base64);
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
            ParsedLine parsed = parser.parse(line.toString());
            String why = line.toString();

            if (type == 'n') {
                assertThat(command(parsed, why).type()).isEqualTo('n');
                return;
            }
            int tokens = 2 + (type == 's' ? 1 : 0) + flags.size();
            if (tokens > TextCommandParser.maxTokens()) {
                assertThat(parsed).as(why).isEqualTo(TextCommandParser.invalid("CLIENT_ERROR options flags are too long"));
                return;
            }
            if (type == 's' && length > MAX_ITEM_SIZE) {
                MetaFlag mode = flags.stream().filter(f -> f.name() == 'M').findFirst().orElse(null);
                boolean setMode = mode == null || mode.token().equalsIgnoreCase("S");
                assertThat(parsed).as(why).isInstanceOf(ParsedLine.Swallow.class);
                ParsedLine.Swallow swallow = (ParsedLine.Swallow) parsed;
                assertThat(swallow.length()).isEqualTo(length);
                assertThat(swallow.request().reply()).isEqualTo(TextCommandParser.TOO_LARGE);
                assertThat(swallow.request().unlink() == null ? null : swallow.request().unlink().bytes())
                        .isEqualTo(setMode ? key : null);
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
            assertThat(command.flags()).as(why).isEqualTo(flags);
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

    /** Distinct flags in random order; b exactly when the key is base64. */
    private static List<MetaFlag> flags(Random random, boolean base64) {
        List<Character> letters = new ArrayList<>();
        for (char c : LETTERS.toCharArray()) {
            if (c != 'b') {
                letters.add(c);
            }
        }
        java.util.Collections.shuffle(letters, random);
        int count = random.nextInt(8) == 0 ? random.nextInt(30) : random.nextInt(6);
        List<MetaFlag> flags = new ArrayList<>();
        for (char name : letters.subList(0, Math.min(count, letters.size()))) {
            flags.add(new MetaFlag(name, token(random, random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(12))));
        }
        if (base64) {
            flags.add(random.nextInt(flags.size() + 1), new MetaFlag('b', ""));
        }
        return flags;
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

    /** Any bytes, spaces and control bytes included: what base64 keys exist for. */
    private static byte[] binaryKey(Random random) {
        byte[] key = new byte[random.nextInt(20) == 0 ? 250 : 1 + random.nextInt(40)];
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
