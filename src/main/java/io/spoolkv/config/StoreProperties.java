package io.spoolkv.config;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * The in-memory item store.
 *
 * @param maxMemory bytes charged for items before eviction (memcached {@code -m}): each item is charged its memcached
 *        slab chunk(s), or its real cost of key, value and per-item overhead when that is more
 * @param maxItemSize largest value accepted (memcached {@code -I}); at most {@code max-memory}
 * @param lruCrawler whether the {@code lru_crawler} starts enabled (memcached {@code -o no_lru_crawler} is
 *        {@code false}); clients switch it with {@code lru_crawler enable|disable}, and a disabled crawler refuses
 *        {@code crawl} and key dumps as memcached's does
 * @param slabChunkMax memcached's {@code -o slab_chunk_max}: the largest slab class; items past it are counted
 *        as memcached's chunked items (docs/store.md). Between 1KB and 1MB, dividing 1 MiB evenly, at most
 *        {@code max-item-size} and dividing it evenly; memcached's {@code -o no_modern} is {@code 1MB}
 */
@Validated
@ConfigurationProperties("spoolkv.store")
public record StoreProperties(
        @DefaultValue("64MB") @NotNull DataSize maxMemory,
        @DefaultValue("1MB") @NotNull DataSize maxItemSize,
        @DefaultValue("true") boolean lruCrawler,
        @DefaultValue("512KB") @NotNull DataSize slabChunkMax) implements Validator {

    /** memcached's slab page (io.spoolkv.store.SlabClasses.PAGE_SIZE). */
    private static final long SLAB_PAGE = 1024 * 1024;

    @ConstructorBinding
    public StoreProperties {
    }

    /** With memcached's default slab_chunk_max. */
    public StoreProperties(DataSize maxMemory, DataSize maxItemSize, boolean lruCrawler) {
        this(maxMemory, maxItemSize, lruCrawler, DataSize.ofKilobytes(512));
    }

    @Override
    public boolean supports(Class<?> type) {
        return StoreProperties.class.isAssignableFrom(type);
    }

    /** Checks across fields, each error on the property to change, so the startup failure names it. */
    @Override
    public void validate(Object target, Errors errors) {
        StoreProperties p = (StoreProperties) target;
        if (p.maxMemory == null || p.maxItemSize == null || p.slabChunkMax == null) {
            return; // @NotNull reports it
        }
        long chunkMax = p.slabChunkMax.toBytes();
        long itemMax = p.maxItemSize.toBytes();
        if (chunkMax < 1024 || chunkMax > SLAB_PAGE || SLAB_PAGE % chunkMax != 0) {
            errors.rejectValue("slab-chunk-max", "notPageDivisor",
                    "must be between 1KB and 1MB and divide the 1 MiB slab page evenly (memcached's rule)");
        } else if (itemMax > 0 && (chunkMax > itemMax || itemMax % chunkMax != 0)) {
            // memcached 1.6.18 refuses to start the same way (-I 64k with its default 512k slab_chunk_max)
            errors.rejectValue("slab-chunk-max", "notItemSizeDivisor",
                    "must be at most spoolkv.store.max-item-size (" + Sizes.format(p.maxItemSize)
                            + ") and divide it evenly (memcached's rule)");
        }
        boolean memoryValid = Sizes.requirePositive(errors, "max-memory", p.maxMemory);
        if (Sizes.requirePositive(errors, "max-item-size", p.maxItemSize) && memoryValid
                && p.maxItemSize.toBytes() > p.maxMemory.toBytes()) {
            errors.rejectValue("max-item-size", "aboveMaxMemory",
                    "must not be above spoolkv.store.max-memory (" + Sizes.format(p.maxMemory) + ")");
        }
    }
}
