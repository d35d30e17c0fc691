package io.spoolkv.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The per-connection spools that carry background output to the sockets.
 *
 * @param mode {@code spooled}, or {@code direct} (per-fragment {@code writeAndFlush}, a benchmark baseline only)
 * @param highWaterBytes per-connection spool depth at which a producer hears "would block" and pauses
 * @param lowWaterBytes depth under which a paused producer is resumed; below {@code high-water-bytes}. A producer
 *        paused on a large fragment is resumed earlier: under the larger of this and 48 of its fragments (those
 *        at most three quarters of {@code high-water-bytes}), so the socket does not idle while it gets going
 * @param maxTotalBytes cap on all spools together; at least {@code high-water-bytes}
 * @param drainMaxFragments fragments one drain pass writes before yielding the event loop; the default is the most
 *        buffers Netty gathers into one {@code writev} (IOV_MAX). A pass also ends when the channel turns
 *        unwritable: at the default 64 KiB channel bound, after about 65536 / (fragment size + 96) fragments
 * @param drainMaxBytes bytes one drain pass writes before yielding the event loop
 * @param stuckTimeout a spool that makes no progress this long gets its connection closed (counted in
 *        {@code stuckCloses})
 */
@Validated
@ConfigurationProperties("spoolkv.spool")
public record SpoolProperties(
        @DefaultValue("spooled") @NotNull Mode mode,
        @DefaultValue("1MB") @NotNull DataSize highWaterBytes,
        @DefaultValue("256KB") @NotNull DataSize lowWaterBytes,
        @DefaultValue("64MB") @NotNull DataSize maxTotalBytes,
        @DefaultValue("1024") @Min(1) int drainMaxFragments,
        @DefaultValue("1MB") @NotNull DataSize drainMaxBytes,
        @DefaultValue("360s") @NotNull Duration stuckTimeout) implements Validator {

    public enum Mode { SPOOLED, DIRECT }

    @Override
    public boolean supports(Class<?> type) {
        return SpoolProperties.class.isAssignableFrom(type);
    }

    /** Checks across fields, each error on the property to change, so the startup failure names it. */
    @Override
    public void validate(Object target, Errors errors) {
        SpoolProperties p = (SpoolProperties) target;
        if (p.highWaterBytes == null || p.lowWaterBytes == null || p.maxTotalBytes == null || p.drainMaxBytes == null
                || p.stuckTimeout == null) {
            return; // @NotNull reports it
        }
        boolean highWaterValid = Sizes.requirePositive(errors, "high-water-bytes", p.highWaterBytes);
        boolean totalValid = Sizes.requirePositive(errors, "max-total-bytes", p.maxTotalBytes);
        Sizes.requirePositive(errors, "drain-max-bytes", p.drainMaxBytes);
        if (p.lowWaterBytes.toBytes() < 0) {
            errors.rejectValue("low-water-bytes", "negative", "must not be negative");
        } else if (highWaterValid && p.lowWaterBytes.toBytes() >= p.highWaterBytes.toBytes()) {
            errors.rejectValue("low-water-bytes", "aboveHighWater",
                    "must be below spoolkv.spool.high-water-bytes (" + Sizes.format(p.highWaterBytes) + ")");
        }
        if (highWaterValid && totalValid && p.maxTotalBytes.toBytes() < p.highWaterBytes.toBytes()) {
            errors.rejectValue("max-total-bytes", "belowHighWater",
                    "must be at least spoolkv.spool.high-water-bytes (" + Sizes.format(p.highWaterBytes)
                            + "), one connection's share");
        }
        if (p.stuckTimeout.isNegative() || p.stuckTimeout.isZero()) {
            errors.rejectValue("stuck-timeout", "notPositive", "must be positive");
        }
    }
}
