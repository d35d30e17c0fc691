package io.spoolkv.store;

/**
 * The answer to a {@link StoreRequest}.
 *
 * @param outcome what happened
 * @param cas the stored item's CAS when {@code outcome} is {@link Outcome#STORED}, else 0
 */
public record StoreResult(Outcome outcome, long cas) {

    public enum Outcome {
        STORED,
        /** add on a present key, replace/append/prepend on an absent one. */
        NOT_STORED,
        /** CAS given and the item changed since. */
        EXISTS,
        /** CAS given and no such item. */
        NOT_FOUND,
        /** The value's memory could not be allocated, even after evicting (memcached's NO_MEMORY). */
        NO_MEMORY
    }

    public static final StoreResult NOT_STORED = new StoreResult(Outcome.NOT_STORED, 0);
    public static final StoreResult EXISTS = new StoreResult(Outcome.EXISTS, 0);
    public static final StoreResult NOT_FOUND = new StoreResult(Outcome.NOT_FOUND, 0);
    public static final StoreResult NO_MEMORY = new StoreResult(Outcome.NO_MEMORY, 0);

    public static StoreResult stored(long cas) {
        return new StoreResult(Outcome.STORED, cas);
    }
}
