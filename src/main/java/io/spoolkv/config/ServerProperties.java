package io.spoolkv.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The memcached listener.
 *
 * @param host address to bind
 * @param port TCP port; 0 picks a free one (read it from the server bean)
 * @param ioThreads event-loop threads; 0 means one per core: the loops never block, so more threads only add context switches
 * @param maxConnections connections accepted at once; further ones are closed on accept
 * @param shutdownTimeout on shutdown, how long connections get to finish streaming commands and drain their
 *        spools before they are closed; 0 closes them at once
 */
@Validated
@ConfigurationProperties("spoolkv.server")
public record ServerProperties(
        @DefaultValue("0.0.0.0") @NotBlank String host,
        @DefaultValue("11211") @Min(0) @Max(65535) int port,
        @DefaultValue("0") @Min(0) @Max(1024) int ioThreads,
        @DefaultValue("4096") @Min(1) int maxConnections,
        @DefaultValue("10s") @NotNull Duration shutdownTimeout) implements Validator {

    @Override
    public boolean supports(Class<?> type) {
        return ServerProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        Duration timeout = ((ServerProperties) target).shutdownTimeout;
        if (timeout != null && timeout.isNegative()) {
            errors.rejectValue("shutdown-timeout", "negative", "must not be negative");
        }
    }
}
