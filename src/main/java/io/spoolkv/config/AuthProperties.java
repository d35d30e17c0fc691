package io.spoolkv.config;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * Client authentication (memcached's {@code -Y}).
 *
 * @param enabled every connection must log in before any other command (memcached's {@code -Y}); needs
 *        {@code credentials-file}
 * @param credentialsFile memcached's auth file: one {@code user:password} per line (the password is everything
 *        after the first colon; no spaces); read at startup, and a missing or malformed file stops startup
 */
@Validated
@ConfigurationProperties("spoolkv.auth")
public record AuthProperties(
        @DefaultValue("false") boolean enabled,
        String credentialsFile) implements Validator {

    @Override
    public boolean supports(Class<?> type) {
        return AuthProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        AuthProperties p = (AuthProperties) target;
        if (!p.enabled) {
            return;
        }
        if (p.credentialsFile == null || p.credentialsFile.isBlank()) {
            errors.rejectValue("credentials-file", "missing", "must be set when spoolkv.auth.enabled=true");
        } else if (!Files.isRegularFile(Path.of(p.credentialsFile)) || !Files.isReadable(Path.of(p.credentialsFile))) {
            errors.rejectValue("credentials-file", "unreadable", "is not a readable file");
        }
    }
}
