package io.spoolkv.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The memcached listener.
 *
 * @param host address the memcached listener binds
 * @param port memcached TCP port, 0–65535; 0 picks a free port
 * @param ioThreads event-loop threads, at most 1024; 0 means one per core (the loops never block; on 2 cores,
 *        2 loops served 1.3x the get/set ops/s of 4)
 * @param maxConnections connections open at once; further ones get {@code ERROR Too many open connections} and
 *        are closed
 * @param shutdownTimeout on shutdown, how long connections get to finish streaming commands and drain their
 *        spools before they are closed; 0 closes them at once
 * @param idleTimeout a connection that sends nothing this long, and is not waiting for an answer, streaming or
 *        watching, is closed (memcached's {@code idle_timeout}); 0 never closes one, as memcached by default
 * @param writeHighWaterBytes a connection's output bound: when this many reply bytes wait for its socket, it stops
 *        reading and running requests until they fall under the low watermark (Netty's write buffer high
 *        watermark)
 * @param writeLowWaterBytes the connection reads and runs requests again once its unsent replies fall below this;
 *        must be below the high watermark
 * @param maxRetrievalLine longest {@code get}/{@code gets}/{@code gat}/{@code gats} line, 2KB–512MB (4MB holds
 *        10,000+ keys of 250 bytes); a longer one is answered {@code SERVER_ERROR retrieval line longer than N
 *        bytes (spoolkv.server.max-retrieval-line)}, its bytes are skipped to its newline and the connection
 *        stays open. Other lines keep memcached's 2048-byte limit
 */
@Validated
@ConfigurationProperties("spoolkv.server")
public record ServerProperties(
        @DefaultValue("0.0.0.0") @NotBlank String host,
        @DefaultValue("11211") @Min(0) @Max(65535) int port,
        @DefaultValue("0") @Min(0) @Max(1024) int ioThreads,
        @DefaultValue("4096") @Min(1) int maxConnections,
        @DefaultValue("10s") @NotNull Duration shutdownTimeout,
        @DefaultValue("0s") @NotNull Duration idleTimeout,
        @DefaultValue("64KB") @NotNull DataSize writeHighWaterBytes,
        @DefaultValue("32KB") @NotNull DataSize writeLowWaterBytes,
        @DefaultValue("4MB") @NotNull DataSize maxRetrievalLine) implements Validator {

    /** A retrieval line must hold at least what any other line may hold (memcached's 2048 bytes). */
    static final DataSize MIN_RETRIEVAL_LINE = DataSize.ofBytes(2048);
    /** The line is decoded into one buffer and one string. */
    static final DataSize MAX_RETRIEVAL_LINE = DataSize.ofMegabytes(512);

    @Override
    public boolean supports(Class<?> type) {
        return ServerProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        ServerProperties p = (ServerProperties) target;
        if (p.shutdownTimeout != null && p.shutdownTimeout.isNegative()) {
            errors.rejectValue("shutdown-timeout", "negative", "must not be negative");
        }
        if (p.maxRetrievalLine != null && (p.maxRetrievalLine.toBytes() < MIN_RETRIEVAL_LINE.toBytes()
                || p.maxRetrievalLine.toBytes() > MAX_RETRIEVAL_LINE.toBytes())) {
            errors.rejectValue("max-retrieval-line", "outOfRange", "must be between " + Sizes.format(MIN_RETRIEVAL_LINE)
                    + " and " + Sizes.format(MAX_RETRIEVAL_LINE));
        }
        if (p.idleTimeout != null && p.idleTimeout.isNegative()) {
            errors.rejectValue("idle-timeout", "negative", "must not be negative (0 turns it off)");
        }
        if (p.writeHighWaterBytes == null || p.writeLowWaterBytes == null) {
            return; // @NotNull reports it
        }
        if (Sizes.requirePositive(errors, "write-high-water-bytes", p.writeHighWaterBytes)) {
            if (p.writeHighWaterBytes.toBytes() > Integer.MAX_VALUE) {
                errors.rejectValue("write-high-water-bytes", "tooLarge", "must be under 2GB");
            } else if (p.writeLowWaterBytes.toBytes() < 0) {
                errors.rejectValue("write-low-water-bytes", "negative", "must not be negative");
            } else if (p.writeLowWaterBytes.toBytes() >= p.writeHighWaterBytes.toBytes()) {
                errors.rejectValue("write-low-water-bytes", "aboveHighWater",
                        "must be below spoolkv.server.write-high-water-bytes (" + Sizes.format(p.writeHighWaterBytes) + ")");
            }
        }
    }
}
