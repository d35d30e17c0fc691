package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.AuthProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text login on EmbeddedChannel: framing at every cut, replies, and the hand-over of what follows a login. */
class TextLoginDecoderTest {

    static Authenticator authenticator;

    @BeforeAll
    static void credentials(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("creds");
        Files.writeString(file, "alice:secret\n");
        authenticator = new Authenticator(new AuthProperties(true, file.toString()));
    }

    private static String drain(EmbeddedChannel ch, boolean outbound) {
        StringBuilder b = new StringBuilder();
        ByteBuf buf;
        while ((buf = outbound ? ch.readOutbound() : ch.readInbound()) != null) {
            b.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return b.toString();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Cut at every byte: the replies and the bytes handed on after the login are the same. */
    @Test
    void loginCutAtEveryPositionAnswersInOrderAndHandsOnTheRest() {
        String input = "get k\r\nset a 0 0 7\r\nalice x\r\nset a 0 0 12\r\nalice secret\r\nget k\r\nset z 0 0 1\r\n";
        for (int cut = 0; cut <= input.length(); cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new TextLoginDecoder(authenticator, Duration.ofSeconds(5)));
            ch.writeInbound(ascii(input.substring(0, cut)));
            ch.writeInbound(ascii(input.substring(cut)));
            assertThat(drain(ch, true)).as("cut at %d", cut).isEqualTo("CLIENT_ERROR unauthenticated\r\n"
                    + "CLIENT_ERROR authentication failure\r\nSTORED\r\n");
            assertThat(drain(ch, false)).as("cut at %d", cut).isEqualTo("get k\r\nset z 0 0 1\r\n");
            assertThat(ch.pipeline().get(TextLoginDecoder.class)).as("left the pipeline").isNull();
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void onlyASetWithANumericLengthIsALoginLine() {
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0 12")).isEqualTo(12);
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0 12\r")).isEqualTo(12);
        assertThat(TextLoginDecoder.loginDataLength("set  k 0 0   3 noreply")).isEqualTo(3);
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0")).isEqualTo(-1);
        assertThat(TextLoginDecoder.loginDataLength("add k 0 0 3")).isEqualTo(-1);
        assertThat(TextLoginDecoder.loginDataLength("SET k 0 0 3")).isEqualTo(-1);
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0 -3")).isEqualTo(-1);
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0 4294967296")).isEqualTo(-1);
        assertThat(TextLoginDecoder.loginDataLength("set k 0 0 3x")).isEqualTo(-1);
    }

    @Test
    void aLoginBlockAboveTheBoundIsRefusedAndClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new TextLoginDecoder(authenticator, Duration.ofSeconds(5)));
        ch.writeInbound(ascii("set a 0 0 " + (TextLoginDecoder.MAX_DATA + 1) + "\r\nalice secret\r\n"));
        assertThat(drain(ch, true)).isEqualTo("CLIENT_ERROR authentication failure\r\n");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    /** A client that sends junk and never reads: decoding stops while the channel is unwritable, then resumes. */
    @Test
    void stopsAnsweringWhileUnwritableAndResumes() {
        EmbeddedChannel ch = new EmbeddedChannel(new TextLoginDecoder(authenticator, Duration.ofSeconds(5)));
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.writeInbound(ascii("a\r\nb\r\nc\r\n"));
        assertThat(ch.config().isAutoRead()).as("reading stopped").isFalse();
        assertThat(drain(ch, true)).as("nothing answered while unwritable").isEmpty();
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(drain(ch, true)).isEqualTo("CLIENT_ERROR unauthenticated\r\n".repeat(3));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
