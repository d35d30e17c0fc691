package io.spoolkv.config;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The in-memory item store.
 *
 * @param maxMemory bytes of keys, values and per-item overhead kept before eviction (memcached {@code -m})
 * @param maxItemSize largest value accepted (memcached {@code -I}); at most {@code max-memory}
 * @param lruCrawler whether the {@code lru_crawler} starts enabled (memcached {@code -o no_lru_crawler} is
 *        {@code false}); clients switch it with {@code lru_crawler enable|disable}, and a disabled crawler refuses
 *        {@code crawl} and key dumps as memcached's does
 */
@Validated
@ConfigurationProperties("spoolkv.store")
public record StoreProperties(
        @DefaultValue("64MB") @NotNull DataSize maxMemory,
        @DefaultValue("1MB") @NotNull DataSize maxItemSize,
        @DefaultValue("true") boolean lruCrawler) implements Validator {

    @Override
    public boolean supports(Class<?> type) {
        return StoreProperties.class.isAssignableFrom(type);
    }

    /** Checks across fields, each error on the property to change, so the startup failure names it. */
    @Override
    public void validate(Object target, Errors errors) {
        StoreProperties p = (StoreProperties) target;
        if (p.maxMemory == null || p.maxItemSize == null) {
            return; // @NotNull reports it
        }
        boolean memoryValid = Sizes.requirePositive(errors, "max-memory", p.maxMemory);
        if (Sizes.requirePositive(errors, "max-item-size", p.maxItemSize) && memoryValid
                && p.maxItemSize.toBytes() > p.maxMemory.toBytes()) {
            errors.rejectValue("max-item-size", "aboveMaxMemory",
                    "must not be above spoolkv.store.max-memory (" + Sizes.format(p.maxMemory) + ")");
        }
    }
}
