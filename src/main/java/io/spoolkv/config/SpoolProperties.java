package io.spoolkv.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The per-connection spools that carry background output to the sockets.
 *
 * @param mode {@code spooled} (default) or {@code direct}, the per-fragment writeAndFlush baseline kept for benchmarks
 * @param highWaterBytes per-connection depth at which producers hear "would block"
 * @param lowWaterBytes per-connection depth under which paused producers are resumed
 * @param maxTotalBytes cap on the depth of all spools together
 * @param drainMaxFragments fragments one drain pass writes before yielding the event loop
 * @param drainMaxBytes bytes one drain pass writes before yielding the event loop
 * @param stuckTimeout a spool that makes no progress this long gets its connection closed
 */
@Validated
@ConfigurationProperties("spoolkv.spool")
public record SpoolProperties(
        @DefaultValue("spooled") @NotNull Mode mode,
        @DefaultValue("1MB") @NotNull DataSize highWaterBytes,
        @DefaultValue("256KB") @NotNull DataSize lowWaterBytes,
        @DefaultValue("64MB") @NotNull DataSize maxTotalBytes,
        @DefaultValue("256") @Min(1) int drainMaxFragments,
        @DefaultValue("1MB") @NotNull DataSize drainMaxBytes,
        @DefaultValue("360s") @NotNull Duration stuckTimeout) {

    public enum Mode { SPOOLED, DIRECT }

    @AssertTrue(message = "spoolkv.spool.low-water-bytes must be at least 0 and below spoolkv.spool.high-water-bytes")
    public boolean isLowWaterBelowHighWater() {
        return lowWaterBytes.toBytes() >= 0 && lowWaterBytes.toBytes() < highWaterBytes.toBytes();
    }

    @AssertTrue(message = "spoolkv.spool.max-total-bytes must be at least spoolkv.spool.high-water-bytes")
    public boolean isTotalCapAboveHighWater() {
        return maxTotalBytes.toBytes() >= highWaterBytes.toBytes();
    }

    @AssertTrue(message = "spoolkv.spool.drain-max-bytes must be positive")
    public boolean isDrainMaxBytesPositive() {
        return drainMaxBytes.toBytes() > 0;
    }

    @AssertTrue(message = "spoolkv.spool.stuck-timeout must be positive")
    public boolean isStuckTimeoutPositive() {
        return !stuckTimeout.isNegative() && !stuckTimeout.isZero();
    }
}
