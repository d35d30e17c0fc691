package io.spoolkv.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The bounded executor that runs long commands (key dumps, watch delivery).
 *
 * @param threads threads that run long commands (key dumps, watch delivery), 1–256
 * @param queueCapacity commands waiting for a thread before new ones are answered {@code BUSY}
 * @param chunkBytes size of the buffer a producer fills before handing it to the spool, 256B–1MB
 */
@Validated
@ConfigurationProperties("spoolkv.background")
public record BackgroundProperties(
        @DefaultValue("2") @Min(1) @Max(256) int threads,
        @DefaultValue("1024") @Min(1) int queueCapacity,
        @DefaultValue("16KB") @NotNull DataSize chunkBytes) implements Validator {

    @Override
    public boolean supports(Class<?> type) {
        return BackgroundProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        DataSize chunk = ((BackgroundProperties) target).chunkBytes;
        if (chunk != null && (chunk.toBytes() < 256 || chunk.toBytes() > 1024 * 1024)) {
            errors.rejectValue("chunk-bytes", "outOfRange", "must be between 256B and 1MB");
        }
    }
}
