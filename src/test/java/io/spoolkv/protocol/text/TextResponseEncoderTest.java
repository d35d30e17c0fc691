package io.spoolkv.protocol.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.command.Stat;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextResponseEncoderTest {

    static String encode(TextResponse response) {
        EmbeddedChannel channel = new EmbeddedChannel(TextResponseEncoder.INSTANCE);
        try {
            assertThat(channel.writeOutbound(response)).isTrue();
            StringBuilder text = new StringBuilder();
            for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
                text.append(out.toString(ISO_8859_1));
                out.release();
            }
            return text.toString();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    static Item item(String key, String value, int flags, long cas) {
        return new Item(Key.wrap(key.getBytes(ISO_8859_1)), Unpooled.wrappedBuffer(value.getBytes(ISO_8859_1)), flags, 0, cas, 1000, false);
    }

    @Test
    void lines() {
        assertThat(encode(TextResponse.Line.STORED)).isEqualTo("STORED\r\n");
        assertThat(encode(TextResponse.Line.NOT_STORED)).isEqualTo("NOT_STORED\r\n");
        assertThat(encode(TextResponse.Line.EXISTS)).isEqualTo("EXISTS\r\n");
        assertThat(encode(TextResponse.Line.NOT_FOUND)).isEqualTo("NOT_FOUND\r\n");
        assertThat(encode(TextResponse.Line.DELETED)).isEqualTo("DELETED\r\n");
        assertThat(encode(TextResponse.Line.TOUCHED)).isEqualTo("TOUCHED\r\n");
        assertThat(encode(TextResponse.Line.OK)).isEqualTo("OK\r\n");
        assertThat(encode(TextResponse.Line.END)).isEqualTo("END\r\n");
        assertThat(encode(TextResponse.Line.ERROR)).isEqualTo("ERROR\r\n");
        assertThat(encode(TextResponse.Line.of("CLIENT_ERROR bad data chunk"))).isEqualTo("CLIENT_ERROR bad data chunk\r\n");
    }

    @Test
    void sharedLineCanBeWrittenTwice() {
        assertThat(encode(TextResponse.Line.END)).isEqualTo("END\r\n");
        assertThat(encode(TextResponse.Line.END)).isEqualTo("END\r\n");
    }

    @Test
    void valueBlocksWithoutCas() {
        assertThat(encode(new TextResponse.Values(List.of(item("foo", "bar", 5, 77)), false, false))).isEqualTo("VALUE foo 5 3\r\nbar\r\n");
        assertThat(encode(new TextResponse.Values(List.of(item("k2", "", 0, 78)), false, false))).isEqualTo("VALUE k2 0 0\r\n\r\n");
    }

    @Test
    void valueBlocksWithCas() {
        assertThat(encode(new TextResponse.Values(List.of(item("foo", "bar", 5, 77)), true, false))).isEqualTo("VALUE foo 5 3 77\r\nbar\r\n");
        assertThat(encode(new TextResponse.Values(List.of(item("big", "x", 1, -1L)), true, false)))
                .isEqualTo("VALUE big 1 1 18446744073709551615\r\nx\r\n");
    }

    @Test
    void flagsAreUnsigned() {
        assertThat(encode(new TextResponse.Values(List.of(item("a", "1", 0x8000_0000, 1)), false, false))).isEqualTo("VALUE a 2147483648 1\r\n1\r\n");
        assertThat(encode(new TextResponse.Values(List.of(item("b", "2", -1, 2)), false, false))).isEqualTo("VALUE b 4294967295 1\r\n2\r\n");
    }

    @Test
    void valueWithCrLfAndBinaryBytes() {
        TextResponse r = new TextResponse.Values(List.of(item("k", "a\r\nb\u0000\u00ff", 0, 1)), false, false);
        assertThat(encode(r)).isEqualTo("VALUE k 0 6\r\na\r\nb\u0000\u00ff\r\n");
    }

    @Test
    void severalValuesAndTheEndInOneBlock() {
        TextResponse r = new TextResponse.Values(List.of(item("a", "1", 0, 1), item("b", "22", 3, 2)), true, true);
        assertThat(encode(r)).isEqualTo("VALUE a 0 1 1\r\n1\r\nVALUE b 3 2 2\r\n22\r\nEND\r\n");
    }

    @Test
    void largeValueIsWrittenWhole() {
        String big = "v".repeat(300_000);
        assertThat(encode(new TextResponse.Values(List.of(item("k", big, 0, 1)), false, false)))
                .isEqualTo("VALUE k 0 300000\r\n" + big + "\r\n");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "9, 9",
        "10, 10",
        "1234567890123, 1234567890123",
        "9223372036854775807, 9223372036854775807",
        "-9223372036854775808, 9223372036854775808",
        "-1, 18446744073709551615",
    })
    void numbers(long value, String expected) {
        assertThat(encode(new TextResponse.Number(value))).isEqualTo(expected + "\r\n");
    }

    @Test
    void stats() {
        TextResponse r = new TextResponse.Stats(List.of(Stat.of("pid", 42), Stat.of("version", "1.6.38-spoolkv"),
                new Stat("items:1:number", "3")));
        assertThat(encode(r)).isEqualTo("STAT pid 42\r\nSTAT version 1.6.38-spoolkv\r\nSTAT items:1:number 3\r\nEND\r\n");
    }

    @Test
    void emptyStatsIsEnd() {
        assertThat(encode(new TextResponse.Stats(List.of()))).isEqualTo("END\r\n");
    }

    @Test
    void metaWithoutValue() {
        assertThat(encode(new TextResponse.Meta("HD", null))).isEqualTo("HD\r\n");
        assertThat(encode(new TextResponse.Meta("HD c12 Oabc kfoo", null))).isEqualTo("HD c12 Oabc kfoo\r\n");
        assertThat(encode(new TextResponse.Meta("MN", null))).isEqualTo("MN\r\n");
    }

    @Test
    void metaWithValue() {
        assertThat(encode(new TextResponse.Meta("VA 3 f5 c12", "bar".getBytes(ISO_8859_1))))
                .isEqualTo("VA 3 f5 c12\r\nbar\r\n");
        assertThat(encode(new TextResponse.Meta("VA 0", new byte[0]))).isEqualTo("VA 0\r\n\r\n");
    }

    @Test
    void severalResponsesKeepTheirOrder() {
        EmbeddedChannel channel = new EmbeddedChannel(TextResponseEncoder.INSTANCE);
        try {
            channel.writeOutbound(TextResponse.Line.STORED, new TextResponse.Number(5), TextResponse.Line.END);
            StringBuilder sb = new StringBuilder();
            for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
                sb.append(b.toString(ISO_8859_1));
                b.release();
            }
            assertThat(sb.toString()).isEqualTo("STORED\r\n5\r\nEND\r\n");
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    // ---------------------------------------------------------------- Ascii

    static String ascii(String prefix, long value) {
        ByteBuf buf = Unpooled.buffer(0);
        try {
            buf.writeCharSequence(prefix, ISO_8859_1);
            Ascii.writeUnsigned(buf, value);
            buf.writeByte('|');
            return buf.toString(ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "9, 9",
        "10, 10",
        "99, 99",
        "100, 100",
        "1234567890123, 1234567890123",
        "9223372036854775807, 9223372036854775807",
        "-1, 18446744073709551615",
        "-9223372036854775808, 9223372036854775808",
    })
    void writeUnsigned(long value, String expected) {
        assertThat(ascii("", value)).isEqualTo(expected + "|");
        assertThat(ascii("VALUE k ", value)).isEqualTo("VALUE k " + expected + "|");
    }
}
