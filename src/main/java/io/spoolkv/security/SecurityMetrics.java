package io.spoolkv.security;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/** The security counters, read from the counts the authenticator and TLS keep anyway. */
@Component
public class SecurityMetrics implements MeterBinder {

    private final Authenticator authenticator;
    private final ServerTls tls;

    public SecurityMetrics(Authenticator authenticator, ServerTls tls) {
        this.authenticator = authenticator;
        this.tls = tls;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("spoolkv.auth.failures", authenticator, Authenticator::failures)
                .description("Logins refused: unknown user or wrong password, and refused SASL exchanges (unknown mechanism, malformed PLAIN data, a step without an exchange)")
                .register(registry);
        FunctionCounter.builder("spoolkv.tls.handshake.failures", tls, ServerTls::handshakeFailures)
                .description("TLS handshakes on the memcached port that failed or timed out")
                .register(registry);
        FunctionCounter.builder("spoolkv.tls.reloads", tls, ServerTls::reloads)
                .description("Times the memcached port's SSL bundle was reloaded and taken into use")
                .register(registry);
    }
}
