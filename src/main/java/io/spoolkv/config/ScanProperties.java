package io.spoolkv.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * kv_engine's range scans over the binary protocol.
 *
 * @param maxOpen scans open at once on the server (all connections); a create past it answers "temporary failure" (0x86), 1–100000
 * @param maxOpenPerConnection scans one connection may hold open at once, so one client cannot take every slot of max-open; a create past it answers "temporary failure" (0x86), 1–100000
 * @param maxLifetime an idle timeout, not a total lifetime: a scan with no continue running for this long is forgotten (its id answers "not found"), 1s or more
 */
@Validated
@ConfigurationProperties("spoolkv.scan")
public record ScanProperties(
        @DefaultValue("64") @Min(1) @Max(100_000) int maxOpen,
        @DefaultValue("16") @Min(1) @Max(100_000) int maxOpenPerConnection,
        @DefaultValue("180s") @NotNull Duration maxLifetime) implements Validator {

    @Override
    public boolean supports(Class<?> type) {
        return ScanProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        Duration lifetime = ((ScanProperties) target).maxLifetime;
        if (lifetime != null && lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            errors.rejectValue("max-lifetime", "outOfRange", "must be at least 1s");
        }
    }
}
