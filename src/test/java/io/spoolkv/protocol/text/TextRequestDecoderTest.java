package io.spoolkv.protocol.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextRequestDecoderTest {

    static final int MAX_ITEM = 1024 * 1024;
    /** spoolkv.server.max-retrieval-line's default. */
    static final int MAX_RETRIEVAL_LINE = 4 * 1024 * 1024;

    static final String ERROR = "ERROR";
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";
    static final String TOO_LARGE = "SERVER_ERROR object too large for cache";
    static final String BAD_DELTA = "CLIENT_ERROR invalid numeric delta argument";
    static final String BAD_EXPTIME = "CLIENT_ERROR invalid exptime argument";
    static final String BAD_DELETE = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
    static final String BAD_CHUNK = "CLIENT_ERROR bad data chunk";
    static final String LINE_TOO_LONG = "CLIENT_ERROR line too long";

    // ---------------------------------------------------------------- helpers

    /** Feeds each chunk as one inbound write and returns everything decoded, in order. */
    static List<TextRequest> decodeChunks(List<byte[]> chunks) {
        return decodeChunks(chunks, MAX_RETRIEVAL_LINE);
    }

    static List<TextRequest> decodeChunks(List<byte[]> chunks, int maxRetrievalLine) {
        EmbeddedChannel channel = new EmbeddedChannel(new TextRequestDecoder(MAX_ITEM, maxRetrievalLine));
        List<TextRequest> out = new ArrayList<>();
        try {
            for (byte[] chunk : chunks) {
                channel.writeInbound(Unpooled.wrappedBuffer(chunk));
                drain(channel, out);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        return out;
    }

    static void drain(EmbeddedChannel channel, List<TextRequest> out) {
        for (Object o; (o = channel.readInbound()) != null; ) {
            assertThat(o).isInstanceOf(TextRequest.class);
            out.add((TextRequest) o);
        }
    }

    static List<TextRequest> decode(String... chunks) {
        List<byte[]> list = new ArrayList<>();
        for (String c : chunks) {
            list.add(c.getBytes(ISO_8859_1));
        }
        return decodeChunks(list);
    }

    static TextRequest decodeOne(String input) {
        List<TextRequest> out = decode(input);
        assertThat(out).as("requests decoded from %s", input).hasSize(1);
        return out.get(0);
    }

    static Key key(String s) {
        return Key.wrap(s.getBytes(ISO_8859_1));
    }

    static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    /** A readable, value-comparable rendering: records with byte[] fields don't compare by content. */
    static String render(TextRequest r) {
        if (r instanceof TextRequest.Storage s) {
            StoreRequest q = s.request();
            return "Storage[" + q.mode() + " " + k(q.key()) + " flags=" + Integer.toUnsignedString(q.flags())
                    + " exp=" + q.exptime() + " cas=" + Long.toUnsignedString(q.compareCas())
                    + " newCas=" + q.newCas() + " inv=" + q.invalidate()
                    + " data=" + v(q.value()) + " noreply=" + s.noreply() + "]";
        } else if (r instanceof TextRequest.Retrieval g) {
            return "Retrieval[" + g.keys().stream().map(TextRequestDecoderTest::k).collect(Collectors.joining(","))
                    + " cas=" + g.withCas() + " touch=" + g.touch() + " exp=" + g.exptime() + "]";
        } else if (r instanceof TextRequest.Delete d) {
            return "Delete[" + k(d.key()) + " noreply=" + d.noreply() + "]";
        } else if (r instanceof TextRequest.Arith a) {
            Arithmetic x = a.arithmetic();
            return "Arith[" + k(x.key()) + (x.increment() ? " incr " : " decr ") + Long.toUnsignedString(x.delta())
                    + " cas=" + x.compareCas() + " viv=" + x.autoVivify() + " init=" + x.initial()
                    + " vexp=" + x.vivifyExptime() + " noreply=" + a.noreply() + "]";
        } else if (r instanceof TextRequest.Touch t) {
            return "Touch[" + k(t.key()) + " exp=" + t.exptime() + " noreply=" + t.noreply() + "]";
        } else if (r instanceof TextRequest.Meta m) {
            MetaCommand c = m.command();
            return "Meta[m" + c.type() + " " + (c.key() == null ? "null" : k(c.key())) + " b64=" + c.base64Key()
                    + " flags=" + c.flags().stream().map(f -> f.name() + f.token()).collect(Collectors.joining(","))
                    + " value=" + (c.value() == null ? "null" : v(c.value())) + "]";
        }
        // The remaining records hold no arrays; their toString is exact.
        return r.toString();
    }

    static String k(Key key) {
        return "'" + new String(key.bytes(), ISO_8859_1) + "'";
    }

    static String v(byte[] value) {
        return "'" + new String(value, ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n") + "'";
    }

    static List<String> renderAll(List<TextRequest> requests) {
        return requests.stream().map(TextRequestDecoderTest::render).toList();
    }

    static TextRequest.Refused refused(String reply, String unlink) {
        return new TextRequest.Refused(reply, unlink == null ? null : key(unlink), false);
    }

    static TextRequest.Invalid invalid(String reply) {
        return new TextRequest.Invalid(reply, false);
    }

    static String storage(StoreMode mode, String key, int flags, long exp, long cas, String data, boolean noreply) {
        return render(new TextRequest.Storage(
                new StoreRequest(mode, key(key), bytes(data), flags, exp, cas, 0, false), cas != 0, noreply));
    }

    static String retrieval(boolean cas, boolean touch, long exp, String... keys) {
        List<Key> list = new ArrayList<>();
        for (String s : keys) {
            list.add(key(s));
        }
        return render(new TextRequest.Retrieval(list, cas, touch, exp));
    }

    static String meta(char type, String key, boolean b64, String value, String... flags) {
        List<MetaFlag> list = new ArrayList<>();
        for (String f : flags) {
            list.add(new MetaFlag(f.charAt(0), f.substring(1)));
        }
        return render(new TextRequest.Meta(new MetaCommand(type, key == null ? null : key(key), b64, list,
                value == null ? null : bytes(value))));
    }

    // ---------------------------------------------------------------- retrieval

    @Nested
    class Retrieval {

        @Test
        void getWithManyKeys() {
            assertThat(render(decodeOne("get a b c d e f g h i j k l m n o p q r s t u v w x y z\r\n")))
                    .isEqualTo(retrieval(false, false, 0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
                            "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"));
        }

        @Test
        void getsCarriesCas() {
            assertThat(render(decodeOne("gets foo bar\r\n"))).isEqualTo(retrieval(true, false, 0, "foo", "bar"));
        }

        @Test
        void gatCarriesExptimeAndKeys() {
            assertThat(render(decodeOne("gat 100 foo bar baz\r\n")))
                    .isEqualTo(retrieval(false, true, 100, "foo", "bar", "baz"));
        }

        @Test
        void gatsCarriesCasAndNegativeExptime() {
            assertThat(render(decodeOne("gats -1 foo bar\r\n"))).isEqualTo(retrieval(true, true, -1, "foo", "bar"));
        }

        @Test
        void gatWithBadExptime() {
            assertThat(decodeOne("gat soon foo\r\n")).isEqualTo(invalid(BAD_EXPTIME));
        }

        @ParameterizedTest
        @ValueSource(strings = {"get\r\n", "gets\r\n", "gat 10\r\n", "gats 10\r\n", "get   \r\n"})
        void retrievalWithoutKeysIsError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(ERROR));
        }

        @Test
        void repeatedSpacesAreSkipped() {
            assertThat(render(decodeOne("get  foo   bar \r\n"))).isEqualTo(retrieval(false, false, 0, "foo", "bar"));
        }

        @Test
        void longMultiKeyGetIsAccepted() {
            List<String> keys = new ArrayList<>();
            StringBuilder line = new StringBuilder("get");
            for (int i = 0; i < 100; i++) {
                String key = String.format("%03d", i) + "k".repeat(197);
                keys.add(key);
                line.append(' ').append(key);
            }
            assertThat(line.length()).isGreaterThan(20_000);
            List<TextRequest> out = decode(line + "\r\n", "mn\r\n");
            assertThat(renderAll(out)).containsExactly(
                    retrieval(false, false, 0, keys.toArray(String[]::new)), meta('n', null, false, null));
        }

        @Test
        void longMultiKeyGetArrivingInPiecesIsAccepted() {
            StringBuilder line = new StringBuilder("gets");
            for (int i = 0; i < 100; i++) {
                line.append(' ').append(String.format("%03d", i)).append("x".repeat(197));
            }
            String text = line + "\r\n";
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < text.length(); i += 1000) {
                pieces.add(text.substring(i, Math.min(text.length(), i + 1000)));
            }
            List<TextRequest> out = decode(pieces.toArray(String[]::new));
            assertThat(out).hasSize(1);
            assertThat(((TextRequest.Retrieval) out.get(0)).keys()).hasSize(100);
        }
    }

    // ---------------------------------------------------------------- storage

    @Nested
    class Storage {

        @ParameterizedTest
        @ValueSource(strings = {"set", "add", "replace", "append", "prepend"})
        void storageCommands(String cmd) {
            StoreMode mode = StoreMode.valueOf(cmd.toUpperCase());
            assertThat(render(decodeOne(cmd + " foo 5 100 3\r\nbar\r\n")))
                    .isEqualTo(storage(mode, "foo", 5, 100, 0, "bar", false));
            assertThat(render(decodeOne(cmd + " foo 0 0 3 noreply\r\nbar\r\n")))
                    .isEqualTo(storage(mode, "foo", 0, 0, 0, "bar", true));
        }

        @Test
        void casCarriesCompareCas() {
            assertThat(render(decodeOne("cas foo 1 2 3 12345\r\nbar\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", 1, 2, 12345, "bar", false));
            assertThat(render(decodeOne("cas foo 1 2 3 18446744073709551615 noreply\r\nbar\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", 1, 2, -1L, "bar", true));
        }

        @Test
        void casWithBadUniqueIsBadFormat() {
            assertThat(decodeOne("cas foo 1 2 3 -5\r\n")).isEqualTo(invalid(BAD_FORMAT));
        }

        @Test
        void dataMayContainCrLfAndBinary() {
            assertThat(render(decodeOne("set foo 0 0 6\r\na\r\nb\u0000\u00ff\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", 0, 0, 0, "a\r\nb\u0000\u00ff", false));
        }

        @Test
        void emptyValue() {
            assertThat(render(decodeOne("set foo 0 0 0\r\n\r\n"))).isEqualTo(storage(StoreMode.SET, "foo", 0, 0, 0, "", false));
        }

        @Test
        void flagsUpToUnsigned32Max() {
            assertThat(render(decodeOne("set foo 4294967295 -1 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", -1, -1, 0, "x", false));
        }

        /** Proves: flags over 32 bits keep their low 32 bits, as Debian's memcached 1.6.18 stores them (64-bit strtoul). */
        @Test
        void flagsOver32BitsKeepTheirLow32BitsAsMemcached() {
            assertThat(render(decodeOne("set foo 4294967296 0 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", 0, 0, 0, "x", false));
            assertThat(render(decodeOne("set foo 18446744073709551615 0 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", -1, 0, 0, "x", false));
        }

        /**
         * Proves: exptimes keep their low 32 bits, as memcached's safe_strtol stores them in an int32_t: Debian's
         * memcached 1.6.18 treats 2147483648 as negative (expired at once) and 4294967297 as 1 second.
         */
        @Test
        void exptimesKeepTheirLow32BitsAsMemcached() {
            assertThat(render(decodeOne("set foo 0 2147483648 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, "foo", 0, -2147483648L, 0, "x", false));
            assertThat(decodeOne("touch foo 4294967297\r\n")).isEqualTo(new TextRequest.Touch(key("foo"), 1, false));
            assertThat(render(decodeOne("gat 4294967297 foo\r\n"))).isEqualTo(render(decodeOne("gat 1 foo\r\n")));
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "set foo 18446744073709551616 0 1\r\n",
            "set foo -1 0 1\r\n",
            "set foo abc 0 1\r\n",
            "set foo 0 abc 1\r\n",
            "set foo 0 0 -1\r\n",
            "set foo 0 0 abc\r\n",
        })
        void badNumbersAreBadFormat(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(BAD_FORMAT));
        }

        @ParameterizedTest
        @ValueSource(strings = {"set foo 0 0\r\n", "set foo 0 0 1 noreply extra\r\n", "set\r\n", "cas foo 0 0 1\r\n"})
        void wrongTokenCountIsError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(ERROR));
        }

        @Test
        void tooLargeValueIsRefusedAndSwallowed() {
            String big = "x".repeat(MAX_ITEM + 1);
            List<TextRequest> out = decode("set big 0 0 " + big.length() + "\r\n" + big + "\r\nget foo\r\n");
            assertThat(renderAll(out)).containsExactly(render(refused(TOO_LARGE, "big")), retrieval(false, false, 0, "foo"));
        }

        @Test
        void tooLargeValueSwallowedAcrossManyPackets() {
            int len = MAX_ITEM + 10;
            List<String> chunks = new ArrayList<>();
            chunks.add("set big 0 0 " + len + "\r\n");
            String block = "y".repeat(len) + "\r\nincr n 1\r\n";
            for (int i = 0; i < block.length(); i += 65536) {
                chunks.add(block.substring(i, Math.min(block.length(), i + 65536)));
            }
            List<TextRequest> out = decode(chunks.toArray(String[]::new));
            assertThat(renderAll(out)).containsExactly(render(refused(TOO_LARGE, "big")),
                    render(new TextRequest.Arith(Arithmetic.of(key("n"), true, 1), false)));
        }

        @Test
        void valueOfExactlyMaxItemSizeIsAccepted() {
            String data = "z".repeat(MAX_ITEM);
            List<TextRequest> out = decode("set big 0 0 " + MAX_ITEM + "\r\n" + data + "\r\n");
            assertThat(out).hasSize(1);
            assertThat(((TextRequest.Storage) out.get(0)).request().value()).hasSize(MAX_ITEM);
        }

        @Test
        void tooLargeMetaSetIsRefusedAndSwallowed() {
            String big = "x".repeat(MAX_ITEM + 1);
            List<TextRequest> out = decode("ms big " + big.length() + " T0\r\n" + big + "\r\nmn\r\n");
            assertThat(renderAll(out)).containsExactly(render(refused(TOO_LARGE, "big")), meta('n', null, false, null));
        }

        @Test
        void dataBlockNotEndedByCrLfIsBadDataChunk() {
            // Like memcached, the announced length plus two bytes is consumed; what follows is read as a line.
            List<TextRequest> out = decode("set foo 0 0 3\r\nabcde\r\nget foo\r\n");
            assertThat(renderAll(out)).containsExactly(render(invalid(BAD_CHUNK)), render(invalid(ERROR)),
                    retrieval(false, false, 0, "foo"));
        }

        @Test
        void dataBlockEndedByBareLfIsBadDataChunk() {
            List<TextRequest> out = decode("set foo 0 0 3\r\nabc\nXget foo\r\n");
            assertThat(renderAll(out)).containsExactly(render(invalid(BAD_CHUNK)), retrieval(false, false, 0, "foo"));
        }

        @Test
        void metaSetDataBlockNotEndedByCrLfIsBadDataChunk() {
            List<TextRequest> out = decode("ms foo 2\r\nabc\r\n");
            assertThat(renderAll(out)).containsExactly(render(invalid(BAD_CHUNK)), render(invalid(ERROR)));
        }

        @Test
        void invalidKeyOnStorageSwallowsTheDataBlock() {
            // Documented choice of TextCommandParser: the data block is skipped to stay in step.
            List<TextRequest> out = decode("set " + "k".repeat(251) + " 0 0 5\r\nhello\r\nget a\r\n");
            assertThat(renderAll(out)).containsExactly(render(refused(BAD_FORMAT, null)), retrieval(false, false, 0, "a"));
        }
    }

    // ---------------------------------------------------------------- delete, arithmetic, touch

    @Nested
    class OtherKeyed {

        @Test
        void delete() {
            assertThat(decodeOne("delete foo\r\n")).isEqualTo(new TextRequest.Delete(key("foo"), false));
            assertThat(decodeOne("delete foo noreply\r\n")).isEqualTo(new TextRequest.Delete(key("foo"), true));
        }

        @Test
        void deleteWithLegacyZeroHoldTime() {
            assertThat(decodeOne("delete foo 0\r\n")).isEqualTo(new TextRequest.Delete(key("foo"), false));
            assertThat(decodeOne("delete foo 0 noreply\r\n")).isEqualTo(new TextRequest.Delete(key("foo"), true));
        }

        @ParameterizedTest
        @ValueSource(strings = {"delete foo 5\r\n", "delete foo noreply 0\r\n", "delete foo 0 0\r\n"})
        void deleteWithHoldTimeIsUsageError(String line) {
            assertThat(decodeOne(line)).isEqualTo(new TextRequest.Refused(BAD_DELETE, null, false));
        }

        /** Proves: as memcached 1.6.18, noreply silences a bad delete's usage error too. */
        @Test
        void badDeleteWithNoreplyIsQuiet() {
            assertThat(decodeOne("delete foo 5 noreply\r\n")).isEqualTo(new TextRequest.Refused(BAD_DELETE, null, true));
        }

        @ParameterizedTest
        @ValueSource(strings = {"delete\r\n", "delete foo 0 noreply x\r\n"})
        void deleteWithWrongTokenCountIsError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(ERROR));
        }

        @Test
        void incrAndDecr() {
            assertThat(render(decodeOne("incr foo 5\r\n")))
                    .isEqualTo(render(new TextRequest.Arith(Arithmetic.of(key("foo"), true, 5), false)));
            assertThat(render(decodeOne("decr foo 7 noreply\r\n")))
                    .isEqualTo(render(new TextRequest.Arith(Arithmetic.of(key("foo"), false, 7), true)));
        }

        @Test
        void deltaUpToUnsigned64Max() {
            TextRequest r = decodeOne("incr foo 18446744073709551615\r\n");
            assertThat(((TextRequest.Arith) r).arithmetic().delta()).isEqualTo(-1L);
            assertThat(render(r)).isEqualTo("Arith['foo' incr 18446744073709551615 cas=0 viv=false init=0 vexp=0 noreply=false]");
        }

        /** Proves: a delta may carry strtoull's sign, as Debian's memcached 1.6.18 reads "+1" and "-0". */
        @Test
        void signedDeltasAsMemcached() {
            assertThat(((TextRequest.Arith) decodeOne("incr foo +1\r\n")).arithmetic().delta()).isEqualTo(1);
            assertThat(((TextRequest.Arith) decodeOne("decr foo -0\r\n")).arithmetic().delta()).isZero();
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "abc", "18446744073709551616", "99999999999999999999", "1.5", "5x", "+-1", "-"})
        void invalidDelta(String delta) {
            assertThat(decodeOne("incr foo " + delta + "\r\n")).isEqualTo(invalid(BAD_DELTA));
            assertThat(decodeOne("decr foo " + delta + " noreply\r\n")).isEqualTo(invalid(BAD_DELTA));
        }

        @ParameterizedTest
        @ValueSource(strings = {"incr foo\r\n", "incr\r\n", "decr foo 1 noreply x\r\n"})
        void arithmeticWithWrongTokenCountIsError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(ERROR));
        }

        @Test
        void touch() {
            assertThat(decodeOne("touch foo 10\r\n")).isEqualTo(new TextRequest.Touch(key("foo"), 10, false));
            assertThat(decodeOne("touch foo -1 noreply\r\n")).isEqualTo(new TextRequest.Touch(key("foo"), -1, true));
        }

        @ParameterizedTest
        @ValueSource(strings = {"soon", "1x", ""})
        void touchWithBadExptime(String exp) {
            String line = exp.isEmpty() ? "touch foo 1.5\r\n" : "touch foo " + exp + "\r\n";
            assertThat(decodeOne(line)).isEqualTo(invalid(BAD_EXPTIME));
        }

        @Test
        void touchWithoutExptimeIsError() {
            assertThat(decodeOne("touch foo\r\n")).isEqualTo(invalid(ERROR));
        }
    }

    // ---------------------------------------------------------------- keys

    @Nested
    class Keys {

        @Test
        void keyOf250BytesIsAccepted() {
            String k250 = "k".repeat(250);
            assertThat(render(decodeOne("get " + k250 + "\r\n"))).isEqualTo(retrieval(false, false, 0, k250));
            assertThat(decodeOne("delete " + k250 + "\r\n")).isEqualTo(new TextRequest.Delete(key(k250), false));
            assertThat(render(decodeOne("set " + k250 + " 0 0 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, k250, 0, 0, 0, "x", false));
            assertThat(render(decodeOne("mg " + k250 + " v\r\n"))).isEqualTo(meta('g', k250, false, null, "v"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"get %s\r\n", "gets a %s\r\n", "gat 1 %s\r\n", "delete %s\r\n", "incr %s 1\r\n",
            "touch %s 1\r\n", "mg %s v\r\n", "md %s\r\n", "ma %s\r\n", "me %s\r\n"})
        void keyOf251BytesIsBadFormat(String template) {
            assertThat(decodeOne(String.format(template, "k".repeat(251)))).isEqualTo(invalid(BAD_FORMAT));
        }

        /** Proves: memcached 1.6.18's key rule: control bytes (memaslap's 0x10-0x1F), DEL and inner CR are key bytes. */
        @ParameterizedTest
        @ValueSource(strings = {"a\u0001b", "a\tb", "a\u007fb", "a\rb", "\u0010\u001f"})
        void controlBytesInKeysAreKeptExactly(String key) {
            assertThat(render(decodeOne("get " + key + "\r\n"))).isEqualTo(retrieval(false, false, 0, key));
            assertThat(decodeOne("delete " + key + "\r\n")).isEqualTo(new TextRequest.Delete(key(key), false));
            assertThat(render(decodeOne("set " + key + " 1 0 1\r\nx\r\n")))
                    .isEqualTo(storage(StoreMode.SET, key, 1, 0, 0, "x", false));
            assertThat(render(decodeOne("mg " + key + " v\r\n"))).isEqualTo(meta('g', key, false, null, "v"));
        }

        /** Proves: a NUL byte ends the command line, as memcached reads lines as C strings. */
        @Test
        void nulEndsTheLine() {
            assertThat(render(decodeOne("get a\u0000b c\r\n"))).isEqualTo(retrieval(false, false, 0, "a"));
            assertThat(decodeOne("delete k\u0000 0 0 0\r\n")).isEqualTo(new TextRequest.Delete(key("k"), false));
            assertThat(decodeOne("\u0000get a\r\n")).isEqualTo(invalid(ERROR));
        }

        @Test
        void highBytesInKeysAreKeptExactly() {
            TextRequest r = decodeOne("get caf\u00e9\r\n");
            assertThat(((TextRequest.Retrieval) r).keys().get(0).bytes()).containsExactly('c', 'a', 'f', 0xe9);
        }
    }

    // ---------------------------------------------------------------- misc commands

    @Nested
    class Misc {

        @Test
        void flushAll() {
            assertThat(decodeOne("flush_all\r\n")).isEqualTo(new TextRequest.FlushAll(0, false));
            assertThat(decodeOne("flush_all 10\r\n")).isEqualTo(new TextRequest.FlushAll(10, false));
            assertThat(decodeOne("flush_all noreply\r\n")).isEqualTo(new TextRequest.FlushAll(0, true));
            assertThat(decodeOne("flush_all 10 noreply\r\n")).isEqualTo(new TextRequest.FlushAll(10, true));
        }

        @Test
        void flushAllWithBadDelay() {
            // memcached 1.6.18: an unreadable delay is an invalid exptime, silenced by noreply
            assertThat(decodeOne("flush_all soon\r\n")).isEqualTo(new TextRequest.Refused(BAD_EXPTIME, null, false));
            assertThat(decodeOne("flush_all invalid noreply\r\n"))
                    .isEqualTo(new TextRequest.Refused(BAD_EXPTIME, null, true));
            assertThat(decodeOne("flush_all noreply 5\r\n")).isEqualTo(new TextRequest.Refused(BAD_EXPTIME, null, false));
            assertThat(decodeOne("flush_all 0 0\r\n")).isEqualTo(new TextRequest.FlushAll(0, false));
            assertThat(decodeOne("flush_all 1 2 3\r\n")).isEqualTo(invalid(ERROR));
        }

        /** Proves: verbosity checks its level as memcached does (ERROR for a wrong count, bad format, noreply quiet). */
        @Test
        void verbosityValidatesItsLevel() {
            assertThat(decodeOne("verbosity 2 7\r\n")).isEqualTo(new TextRequest.Verbosity(2, false));
            assertThat(decodeOne("verbosity x\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, false));
            assertThat(decodeOne("verbosity -1\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, false));
            assertThat(decodeOne("verbosity x noreply\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, true));
            assertThat(decodeOne("verbosity noreply\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, true));
            assertThat(decodeOne("verbosity 1 2 3\r\n")).isEqualTo(invalid(ERROR));
        }

        /** Proves: cache_memlimit parses as memcached (a bad number is ERROR, extra tokens ignored). */
        @Test
        void cacheMemlimit() {
            assertThat(decodeOne("cache_memlimit 100\r\n")).isEqualTo(new TextRequest.CacheMemlimit(100, false));
            assertThat(decodeOne("cache_memlimit 100 noreply\r\n")).isEqualTo(new TextRequest.CacheMemlimit(100, true));
            assertThat(decodeOne("cache_memlimit 100 x\r\n")).isEqualTo(new TextRequest.CacheMemlimit(100, false));
            assertThat(decodeOne("cache_memlimit x\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("cache_memlimit -1\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("cache_memlimit\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("cache_memlimit 1 2 3\r\n")).isEqualTo(invalid(ERROR));
        }

        /** Proves: slabs automove|reassign validate as memcached 1.6.18 (strtol-testing.t); the store has no pages to move. */
        @Test
        void slabs() {
            assertThat(decodeOne("slabs automove invalid\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, false));
            assertThat(decodeOne("slabs automove -1\r\n")).isEqualTo(new TextRequest.Refused(BAD_FORMAT, null, false));
            assertThat(decodeOne("slabs automove 2\r\n")).isEqualTo(new TextRequest.SlabsAutomove(2, false));
            assertThat(decodeOne("slabs automove 1 noreply\r\n")).isEqualTo(new TextRequest.SlabsAutomove(1, true));
            assertThat(decodeOne("slabs automove 3\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("slabs automove\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("slabs reassign 1 2\r\n")).isEqualTo(invalid("NOSPARE source class has no spare pages"));
            assertThat(decodeOne("slabs reassign 2 2\r\n")).isEqualTo(invalid("SAME src and dst class are identical"));
            assertThat(decodeOne("slabs reassign 99 2\r\n")).isEqualTo(invalid("BADCLASS invalid src or dst class id"));
            assertThat(decodeOne("slabs reassign -1 2\r\n")).isEqualTo(invalid("BADCLASS invalid src or dst class id"));
            assertThat(decodeOne("slabs reassign x y\r\n")).isEqualTo(invalid(BAD_FORMAT));
            assertThat(decodeOne("slabs reassign 1 2 noreply\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("slabs bogus\r\n")).isEqualTo(invalid(ERROR));
        }

        /** Proves: shutdown answers as memcached without -A, whatever its arguments. */
        @ParameterizedTest
        @ValueSource(strings = {"shutdown\r\n", "shutdown graceful\r\n", "shutdown noreply\r\n"})
        void shutdownIsNotEnabled(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid("ERROR: shutdown not enabled"));
        }

        /** Proves: an unknown command line ending like an HTTP request line closes the connection (memcached). */
        @ParameterizedTest
        @ValueSource(strings = {"GET / HTTP/1.0\r\n", "HEAD / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n", "HTTP/1.0\r\n"})
        void httpRequestLineCloses(String line) {
            assertThat(decodeOne(line)).isEqualTo(new TextRequest.Quit(true));
        }

        /** Proves: only unknown commands close; a known one with an HTTP-looking argument runs as usual. */
        @Test
        void httpLookingArgumentsOfKnownCommandsDoNotClose() {
            assertThat(render(decodeOne("get HTTP/1.0\r\n"))).isEqualTo(retrieval(false, false, 0, "HTTP/1.0"));
            assertThat(decodeOne("GET /\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("foo http/1.0\r\n")).isEqualTo(invalid(ERROR));
        }

        @Test
        void stats() {
            assertThat(decodeOne("stats\r\n")).isEqualTo(new TextRequest.Stats(null));
            assertThat(decodeOne("stats settings\r\n")).isEqualTo(new TextRequest.Stats("settings"));
            assertThat(decodeOne("stats items\r\n")).isEqualTo(new TextRequest.Stats("items"));
        }

        @Test
        void versionVerbosityQuit() {
            assertThat(decodeOne("version\r\n")).isEqualTo(new TextRequest.Version());
            assertThat(decodeOne("verbosity 1\r\n")).isEqualTo(new TextRequest.Verbosity(1, false));
            assertThat(decodeOne("verbosity 1 noreply\r\n")).isEqualTo(new TextRequest.Verbosity(1, true));
            assertThat(decodeOne("verbosity\r\n")).isEqualTo(invalid(ERROR));
            assertThat(decodeOne("quit\r\n")).isEqualTo(new TextRequest.Quit());
        }

        @Test
        void lruCrawler() {
            assertThat(decodeOne("lru_crawler metadump all\r\n")).isEqualTo(new TextRequest.LruCrawler("metadump", "all"));
            assertThat(decodeOne("lru_crawler mgdump 1\r\n")).isEqualTo(new TextRequest.LruCrawler("mgdump", "1"));
            assertThat(decodeOne("lru_crawler enable\r\n")).isEqualTo(new TextRequest.LruCrawler("enable", null));
            assertThat(decodeOne("lru_crawler\r\n")).isEqualTo(invalid(ERROR));
        }

        @Test
        void watch() {
            assertThat(decodeOne("watch\r\n")).isEqualTo(new TextRequest.Watch(List.of()));
            assertThat(decodeOne("watch fetchers mutations\r\n"))
                    .isEqualTo(new TextRequest.Watch(List.of("fetchers", "mutations")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"\r\n", "\n", "   \r\n", "bogus\r\n", "GET foo\r\n", "gett foo\r\n", "m\r\n", "mx foo\r\n"})
        void emptyOrUnknownLinesAreError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(ERROR));
        }

        @Test
        void bareLfAndCrLfLineEndsDecodeAlike() {
            assertThat(renderAll(decode("get a\nset b 1 2 1\nx\r\ndelete b\n")))
                    .containsExactly(retrieval(false, false, 0, "a"), storage(StoreMode.SET, "b", 1, 2, 0, "x", false),
                            render(new TextRequest.Delete(key("b"), false)));
        }
    }

    // ---------------------------------------------------------------- meta commands

    @Nested
    class Meta {

        @Test
        void mn() {
            assertThat(render(decodeOne("mn\r\n"))).isEqualTo(meta('n', null, false, null));
        }

        @Test
        void mgWithFlagsInOrder() {
            assertThat(render(decodeOne("mg foo v f c k Oabc q t T30 s\r\n")))
                    .isEqualTo(meta('g', "foo", false, null, "v", "f", "c", "k", "Oabc", "q", "t", "T30", "s"));
        }

        @Test
        void mgWithoutFlags() {
            assertThat(render(decodeOne("mg foo\r\n"))).isEqualTo(meta('g', "foo", false, null));
        }

        @Test
        void base64Key() {
            String encoded = Base64.getEncoder().encodeToString(new byte[] {'a', ' ', 0, (byte) 0xff});
            TextRequest r = decodeOne("mg " + encoded + " b v\r\n");
            MetaCommand m = ((TextRequest.Meta) r).command();
            assertThat(m.base64Key()).isTrue();
            assertThat(m.key().bytes()).containsExactly('a', ' ', 0, 0xff);
            assertThat(m.flags()).containsExactly(new MetaFlag('b', ""), new MetaFlag('v', ""));
        }

        @Test
        void base64KeyThatDoesNotDecode() {
            assertThat(decodeOne("mg @@@@ b v\r\n")).isEqualTo(invalid("CLIENT_ERROR error decoding key"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"mg foo v !\r\n", "mg foo 1\r\n", "mg foo zz\r\n"})
        void invalidFlag(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid("CLIENT_ERROR invalid flag"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"mg foo v v\r\n", "mg foo T1 k T2\r\n"})
        void duplicateFlag(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid("CLIENT_ERROR duplicate flag"));
        }

        /** memcached's md and ma report every flag error with one string. */
        @ParameterizedTest
        @ValueSource(strings = {"md foo _x\r\n", "ma foo +\r\n", "md foo q q\r\n", "ma foo Dx\r\n"})
        void mdAndMaFlagErrors(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid("CLIENT_ERROR invalid or duplicate flag"));
        }

        @Test
        void caseMattersForDuplicates() {
            assertThat(render(decodeOne("mg foo t T10\r\n"))).isEqualTo(meta('g', "foo", false, null, "t", "T10"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"me\r\n", "ms foo\r\n"})
        void missingKeyOrLengthIsBadFormat(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(BAD_FORMAT));
        }

        /** memcached answers a meta command without a key with a plain ERROR (me is the exception). */
        @ParameterizedTest
        @ValueSource(strings = {"mg\r\n", "md\r\n", "ma\r\n", "ms\r\n"})
        void missingKeyIsError(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid("ERROR"));
        }

        @Test
        void msWithData() {
            assertThat(render(decodeOne("ms foo 3 T10 F5 I\r\nbar\r\n")))
                    .isEqualTo(meta('s', "foo", false, "bar", "T10", "F5", "I"));
            assertThat(render(decodeOne("ms foo 0\r\n\r\n"))).isEqualTo(meta('s', "foo", false, ""));
        }

        @Test
        void msWithBase64Key() {
            assertThat(render(decodeOne("ms Zm9v 2 b MA\r\nhi\r\n"))).isEqualTo(meta('s', "foo", true, "hi", "b", "MA"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"ms foo abc\r\n", "ms foo -1\r\n"})
        void msWithBadLengthIsBadFormat(String line) {
            assertThat(decodeOne(line)).isEqualTo(invalid(BAD_FORMAT));
        }

        @Test
        void mdMaMe() {
            assertThat(render(decodeOne("md foo q C123 I T30\r\n")))
                    .isEqualTo(meta('d', "foo", false, null, "q", "C123", "I", "T30"));
            assertThat(render(decodeOne("ma foo N0 J10 D5 v MD\r\n")))
                    .isEqualTo(meta('a', "foo", false, null, "N0", "J10", "D5", "v", "MD"));
            assertThat(render(decodeOne("me foo\r\n"))).isEqualTo(meta('e', "foo", false, null));
        }

        /**
         * memcached (proto_text.c process_mset_command) parses the data length first and, on a flag
         * error, swallows the data block ("We need to at least try to get the size to properly slurp
         * bad bytes after an error"). Otherwise the value is read as a command line.
         */
        @Test
        void msWithInvalidFlagSwallowsItsDataBlock() {
            List<TextRequest> out = decode("ms foo 2 !\r\nhi\r\nmn\r\n");
            assertThat(renderAll(out)).containsExactly(render(refused("CLIENT_ERROR invalid flag", null)),
                    meta('n', null, false, null));
        }

        @Test
        void msWithDuplicateFlagSwallowsItsDataBlock() {
            List<TextRequest> out = decode("ms foo 5 T1 T2\r\nget x\r\nmn\r\n");
            assertThat(renderAll(out)).containsExactly(render(refused("CLIENT_ERROR duplicate flag", null)),
                    meta('n', null, false, null));
        }
    }

    // ---------------------------------------------------------------- line length

    @Nested
    class LineLength {

        @Test
        void lineOver2048BytesWithoutNewlineClosesAndIgnoresTheRest() {
            EmbeddedChannel channel = new EmbeddedChannel(new TextRequestDecoder(MAX_ITEM, MAX_RETRIEVAL_LINE));
            List<TextRequest> out = new ArrayList<>();
            try {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes("set " + "x".repeat(2045))));
                drain(channel, out);
                assertThat(out).containsExactly(new TextRequest.Invalid(LINE_TOO_LONG, true));
                channel.writeInbound(Unpooled.wrappedBuffer(bytes("\r\nget foo\r\nmn\r\n")));
                drain(channel, out);
                assertThat(out).containsExactly(new TextRequest.Invalid(LINE_TOO_LONG, true));
            } finally {
                channel.finishAndReleaseAll();
            }
        }

        @Test
        void lineOf2048BytesWithoutNewlineWaits() {
            String line = "bogus " + "x".repeat(2042);
            assertThat(line).hasSize(2048);
            assertThat(decode(line)).isEmpty();
            assertThat(decode(line, "\r\n")).containsExactly(invalid(ERROR));
        }

        @Test
        void nonRetrievalLineOver2048BytesWithNewlineIsTooLong() {
            List<TextRequest> out = decode("delete " + "x".repeat(3000) + "\r\nmn\r\n");
            assertThat(out).containsExactly(new TextRequest.Invalid(LINE_TOO_LONG, true));
        }

        /** Proves: a retrieval line over the limit is refused with SERVER_ERROR and the connection goes on. */
        @Test
        void retrievalLineBeyondItsLimitIsRefusedAndSkipped() {
            String line = "get " + "k ".repeat(40_000);
            List<TextRequest> out = decodeChunks(List.of(bytes(line), bytes("\r\nmn\r\n")), 65_536);
            assertThat(renderAll(out)).containsExactly(
                    render(invalid("SERVER_ERROR retrieval line longer than 65536 bytes"
                            + " (spoolkv.server.max-retrieval-line)")),
                    meta('n', null, false, null));
        }

        /** Proves: the refused line's bytes are discarded through its newline however they arrive. */
        @Test
        void refusedRetrievalLineSplitAtManyPointsIsDiscardedUpToItsNewline() {
            String text = "gets " + "abcdefghij ".repeat(1000) + "\r\nget after\r\n";
            for (int step : new int[] {1, 7, 100, 2049, 4096, 9000}) {
                List<byte[]> pieces = new ArrayList<>();
                for (int i = 0; i < text.length(); i += step) {
                    pieces.add(bytes(text.substring(i, Math.min(text.length(), i + step))));
                }
                List<TextRequest> out = decodeChunks(pieces, 4096);
                assertThat(renderAll(out)).as("pieces of %d bytes", step).containsExactly(
                        "Invalid[reply=SERVER_ERROR retrieval line longer than 4096 bytes"
                                + " (spoolkv.server.max-retrieval-line), close=false]",
                        retrieval(false, false, 0, "after"));
            }
        }

        /** Proves: a line of exactly the limit is accepted, one byte more is refused. */
        @Test
        void retrievalLineAtTheLimitIsAcceptedOneMoreIsNot() {
            String keys = ("k".repeat(199) + " ").repeat(20) + "x".repeat(4096 - 4 - 4000);
            assertThat(renderAll(decodeChunks(List.of(bytes("get " + keys + "\r\n")), 4096)))
                    .containsExactly(retrieval(false, false, 0, keys.split(" ")));
            assertThat(decodeChunks(List.of(bytes("get " + keys + "k\r\nmn\r\n")), 4096))
                    .hasSize(2).first().isInstanceOf(TextRequest.Invalid.class);
        }

        /** Proves: 10,000 keys of 250 bytes (2.5 MB on one line) fit the default limit, split at many points. */
        @Test
        void tenThousandLongKeysSplitAtManyPointsDecodeToOneRetrieval() {
            StringBuilder line = new StringBuilder("get");
            for (int i = 0; i < 10_000; i++) {
                line.append(' ').append(String.format("%05d", i)).append("k".repeat(245));
            }
            byte[] text = bytes(line + "\r\nmn\r\n");
            List<byte[]> pieces = new ArrayList<>();
            java.util.Random random = new java.util.Random(9);
            for (int i = 0; i < text.length; ) {
                int n = Math.min(text.length - i, 1 + random.nextInt(70_000));
                pieces.add(java.util.Arrays.copyOfRange(text, i, i + n));
                i += n;
            }
            assertThat(pieces.size()).isGreaterThan(50);
            List<TextRequest> out = decodeChunks(pieces);
            assertThat(out).hasSize(2);
            List<Key> keys = ((TextRequest.Retrieval) out.get(0)).keys();
            assertThat(keys).hasSize(10_000);
            assertThat(keys.get(9_999)).isEqualTo(key("09999" + "k".repeat(245)));
        }

        /** Proves: a non-retrieval line keeps memcached's 2048-byte limit whatever the retrieval limit. */
        @Test
        void nonRetrievalLineKeepsTheMemcachedLimit() {
            List<TextRequest> out = decode("touch " + "x".repeat(2100));
            assertThat(out).containsExactly(new TextRequest.Invalid(LINE_TOO_LONG, true));
        }
    }

    // ---------------------------------------------------------------- pipelines and split packets

    static final String PIPELINE = "set foo 5 0 4\r\na\r\nb\r\n"
            + "get foo bar\r\n"
            + "incr n 18446744073709551615\r\n"
            + "ms bWs= 3 T10 F7 b\r\nxyz\r\n"
            + "mg bWs= b v f Oq\r\n"
            + "delete foo noreply\n"
            + "gats 30 foo\r\n"
            + "\r\n"
            + "cas foo 0 0 2 99 noreply\r\nzz\r\n"
            + "mn\r\n";

    static final List<String> PIPELINE_DECODED = List.of(
            "Storage[SET 'foo' flags=5 exp=0 cas=0 newCas=0 inv=false data='a\\r\\nb' noreply=false]",
            "Retrieval['foo','bar' cas=false touch=false exp=0]",
            "Arith['n' incr 18446744073709551615 cas=0 viv=false init=0 vexp=0 noreply=false]",
            "Meta[ms 'mk' b64=true flags=T10,F7,b value='xyz']",
            "Meta[mg 'mk' b64=true flags=b,v,f,Oq value=null]",
            "Delete['foo' noreply=true]",
            "Retrieval['foo' cas=true touch=true exp=30]",
            "Invalid[reply=ERROR, close=false]",
            "Storage[SET 'foo' flags=0 exp=0 cas=99 newCas=0 inv=false data='zz' noreply=true]",
            "Meta[mn null b64=false flags= value=null]");

    @Nested
    class Pipelines {

        @Test
        void pipelineDecodesInOrder() {
            assertThat(renderAll(decode(PIPELINE))).containsExactlyElementsOf(PIPELINE_DECODED);
        }

        @Test
        void manyCommandsInOneBuffer() {
            StringBuilder in = new StringBuilder();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                in.append("set k").append(i).append(" ").append(i).append(" 0 ").append(String.valueOf(i).length())
                        .append("\r\n").append(i).append("\r\n");
                expected.add(storage(StoreMode.SET, "k" + i, i, 0, 0, String.valueOf(i), false));
                in.append("get k").append(i).append("\r\n");
                expected.add(retrieval(false, false, 0, "k" + i));
            }
            assertThat(renderAll(decode(in.toString()))).containsExactlyElementsOf(expected);
        }

        @Test
        void splitAtEveryBytePosition() {
            byte[] all = bytes(PIPELINE);
            for (int cut = 0; cut <= all.length; cut++) {
                byte[] a = java.util.Arrays.copyOfRange(all, 0, cut);
                byte[] b = java.util.Arrays.copyOfRange(all, cut, all.length);
                assertThat(renderAll(decodeChunks(List.of(a, b))))
                        .as("cut at %d", cut)
                        .containsExactlyElementsOf(PIPELINE_DECODED);
            }
        }

        @Test
        void oneByteAtATime() {
            byte[] all = bytes(PIPELINE);
            List<byte[]> chunks = new ArrayList<>();
            for (byte x : all) {
                chunks.add(new byte[] {x});
            }
            assertThat(renderAll(decodeChunks(chunks))).containsExactlyElementsOf(PIPELINE_DECODED);
        }

        @Test
        void splitAroundSwallowedBlock() {
            String big = "q".repeat(MAX_ITEM + 1);
            byte[] all = bytes("set big 0 0 " + big.length() + "\r\n" + big + "\r\nget foo\r\n");
            int head = ("set big 0 0 " + big.length() + "\r\n").length();
            for (int cut : new int[] {1, head - 1, head, head + 1, all.length - 12, all.length - 11, all.length - 10,
                all.length - 1}) {
                byte[] a = java.util.Arrays.copyOfRange(all, 0, cut);
                byte[] b = java.util.Arrays.copyOfRange(all, cut, all.length);
                assertThat(renderAll(decodeChunks(List.of(a, b)))).as("cut at %d", cut)
                        .containsExactly(render(refused(TOO_LARGE, "big")), retrieval(false, false, 0, "foo"));
            }
        }
    }
}
