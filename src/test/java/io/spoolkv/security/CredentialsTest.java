package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spoolkv.config.AuthProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** memcached's auth file format, and the authenticator's startup checks: bad files name the line, never a secret. */
class CredentialsTest {

    private static Credentials parse(String file) {
        return Credentials.parse(file.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void passwordIsEverythingAfterTheFirstColonAndCrlfAndBlankLinesAreAccepted() {
        Credentials c = parse("alice:secret\r\n\nbob:pa:ss\ncarol:x");
        assertThat(c.users()).isEqualTo(3);
        assertThat(c.matches("alice", bytes("secret"))).isTrue();
        assertThat(c.matches("bob", bytes("pa:ss"))).isTrue();
        assertThat(c.matches("carol", bytes("x"))).as("last line without newline keeps its last character").isTrue();
    }

    @Test
    void wrongPasswordsPrefixesAndUnknownUsersDoNotMatch() {
        Credentials c = parse("alice:secret\n");
        assertThat(c.matches("alice", bytes("secre"))).isFalse();
        assertThat(c.matches("alice", bytes("secret2"))).isFalse();
        assertThat(c.matches("alice", bytes(""))).isFalse();
        assertThat(c.matches("Alice", bytes("secret"))).isFalse();
        assertThat(c.matches("nobody", new byte[32])).as("the dummy compared for unknown users matches nothing").isFalse();
    }

    @Test
    void malformedFilesAreRefusedNamingTheLineButNotItsContent() {
        assertThatThrownBy(() -> parse("alice:secret\nhunter2\n")).hasMessage("line 2: expected user:password")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> parse(":secret\n")).hasMessage("line 1: empty user or password");
        assertThatThrownBy(() -> parse("alice:\n")).hasMessage("line 1: empty user or password");
        assertThatThrownBy(() -> parse("alice:my secret\n")).hasMessage("line 1: a user or password contains a space");
        assertThatThrownBy(() -> parse("a:1\na:2\n")).hasMessage("line 2: the user is named twice");
        assertThatThrownBy(() -> parse("\n\n")).hasMessage("no user:password line");
    }

    @Test
    void theAuthenticatorRefusesToStartWithAMalformedFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("creds");
        Files.writeString(file, "alice:secret\nno-colon-hunter2\n");
        assertThatThrownBy(() -> new Authenticator(new AuthProperties(true, file.toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("spoolkv.auth.credentials-file " + file + ": line 2: expected user:password");
    }

    @Test
    void theAuthenticatorCountsFailuresOnlyAndIsOffWhenDisabled(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("creds");
        Files.writeString(file, "alice:secret\n");
        Authenticator on = new Authenticator(new AuthProperties(true, file.toString()));
        assertThat(on.enabled()).isTrue();
        assertThat(on.authenticate(bytes("alice"), bytes("secret"), null)).isTrue();
        assertThat(on.authenticate(bytes("alice"), bytes("nope"), null)).isFalse();
        assertThat(on.failures()).isEqualTo(1);
        assertThat(on.successes()).isEqualTo(1);
        assertThat(new Authenticator(new AuthProperties(false, null)).enabled()).isFalse();
    }
}
