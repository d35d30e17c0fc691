package io.spoolkv.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The in-memory item store.
 *
 * @param maxMemory bytes of keys, values and per-item overhead kept before eviction (memcached -m)
 * @param maxItemSize largest value accepted (memcached -I)
 */
@Validated
@ConfigurationProperties("spoolkv.store")
public record StoreProperties(
        @DefaultValue("64MB") @NotNull DataSize maxMemory,
        @DefaultValue("1MB") @NotNull DataSize maxItemSize) {

    @AssertTrue(message = "spoolkv.store.max-item-size must be positive and not above spoolkv.store.max-memory")
    public boolean isItemSizeWithinMemory() {
        return maxItemSize.toBytes() > 0 && maxItemSize.toBytes() <= maxMemory.toBytes();
    }
}
