package io.spoolkv.background;

/**
 * When an {@link ItemStream} stops early with more to come: after {@code items} items, {@code bytes} bytes of
 * item frames, or {@code timeMillis} since it was built (each unsigned, 0 for none). At least one item is sent
 * before a limit can end a stream, so a stream always makes progress.
 */
public record ItemLimits(long items, long timeMillis, long bytes) {

    /** No limits: the stream runs to the end of its cursor. */
    public static final ItemLimits NONE = new ItemLimits(0, 0, 0);
}
