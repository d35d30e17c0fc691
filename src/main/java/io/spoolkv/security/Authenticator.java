package io.spoolkv.security;

import io.netty.util.AttributeKey;
import io.spoolkv.command.LoginCounts;
import io.spoolkv.config.AuthProperties;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Decides logins for every protocol ({@code spoolkv.auth.*}): loads the credentials file once at startup (a
 * missing or malformed file stops startup), checks user and password, counts and logs failures (never the
 * password). The text protocol's login ({@link TextLoginDecoder}) and SASL PLAIN ({@link SaslGate}) use it.
 */
@Component
public class Authenticator implements LoginCounts {

    /** The user a connection logged in as; unset while it has not. */
    public static final AttributeKey<String> USER = AttributeKey.valueOf("spoolkv.user");

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    private static final int MAX_LOGGED_USER = 64;

    private final Credentials credentials;
    private final String credentialsFile;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();

    public Authenticator(AuthProperties properties) {
        this.credentials = properties.enabled() ? load(properties.credentialsFile()) : null;
        this.credentialsFile = properties.enabled() ? properties.credentialsFile() : null;
    }

    private static Credentials load(String file) {
        try {
            Credentials loaded = Credentials.parse(Files.readAllBytes(Path.of(file)));
            LOG.info("authentication on: {} user(s) from {}", loaded.users(), file);
            return loaded;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("spoolkv.auth.credentials-file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Connections must log in. */
    public boolean enabled() {
        return credentials != null;
    }

    /**
     * One login attempt; a failure is counted and logged with the user and the client's address.
     *
     * @param password the password's bytes as the client sent them
     */
    public boolean authenticate(byte[] user, byte[] password, SocketAddress client) {
        String name = new String(user, StandardCharsets.UTF_8);
        if (credentials != null && credentials.matches(name, password)) {
            successes.incrementAndGet();
            return true;
        }
        failures.incrementAndGet();
        LOG.warn("authentication failure for user '{}' from {}", printable(name), client);
        return false;
    }

    /**
     * A login attempt refused before any credential was checked (a SASL mechanism other than PLAIN, PLAIN data
     * that is not {@code [authzid]\0user\0password}): counted and logged as a failure, as memcached counts it.
     */
    public void refused(String why, SocketAddress client) {
        failures.incrementAndGet();
        LOG.warn("authentication failure ({}) from {}", why, client);
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public long attempts() {
        return successes.get() + failures.get();
    }

    @Override
    public String credentialsFile() {
        return credentialsFile;
    }

    public long successes() {
        return successes.get();
    }

    /** The user name as it may appear in a log line: no control characters, bounded length. */
    private static String printable(String user) {
        StringBuilder b = new StringBuilder(Math.min(user.length(), MAX_LOGGED_USER));
        for (int i = 0; i < user.length() && i < MAX_LOGGED_USER; i++) {
            char c = user.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return user.length() > MAX_LOGGED_USER ? b.append("...").toString() : b.toString();
    }
}
