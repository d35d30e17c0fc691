package io.spoolkv.config;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * TLS on the memcached port.
 *
 * @param bundle name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.pem.<name>.*} or
 *        {@code spring.ssl.bundle.jks.<name>.*}) to serve TLS on the memcached port; unset or blank: plaintext
 *        (see docs/security.md)
 * @param clientAuth {@code none}, {@code want} or {@code need} a client certificate that the bundle's trust store
 *        accepts; needs a bundle (and, unless {@code none}, a trust store in it)
 * @param handshakeTimeout a TLS connection whose handshake has not finished this long after it was accepted is
 *        closed; positive
 */
@Validated
@ConfigurationProperties("spoolkv.server.ssl")
public record TlsProperties(
        String bundle,
        @DefaultValue("none") @NotNull ClientAuth clientAuth,
        @DefaultValue("10s") @NotNull Duration handshakeTimeout) implements Validator {

    /** memcached's {@code ssl_verify_mode} in words: none, ask for a certificate, or require one. */
    public enum ClientAuth { NONE, WANT, NEED }

    /** TLS is on. */
    public boolean enabled() {
        return bundle != null && !bundle.isBlank();
    }

    @Override
    public boolean supports(Class<?> type) {
        return TlsProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        TlsProperties p = (TlsProperties) target;
        if (p.handshakeTimeout != null && (p.handshakeTimeout.isNegative() || p.handshakeTimeout.isZero())) {
            errors.rejectValue("handshake-timeout", "notPositive", "must be positive");
        }
        if (!p.enabled() && p.clientAuth != null && p.clientAuth != ClientAuth.NONE) {
            errors.rejectValue("client-auth", "withoutTls", "needs spoolkv.server.ssl.bundle (TLS is off)");
        }
    }
}
