package io.spoolkv.store;

/**
 * The answer to an {@link Arithmetic} request.
 *
 * @param outcome what happened
 * @param value the new unsigned 64-bit value when {@code outcome} is {@link Outcome#OK}
 * @param item the item after the change when {@code outcome} is {@link Outcome#OK}, else null
 * @param created the item was missing and created with the initial value (ma N)
 */
public record ArithmeticResult(Outcome outcome, long value, Item item, boolean created) {

    public ArithmeticResult(Outcome outcome, long value, Item item) {
        this(outcome, value, item, false);
    }

    /** NO_MEMORY: the new value's memory could not be allocated, even after evicting (memcached's EOM). */
    public enum Outcome { OK, NOT_FOUND, NON_NUMERIC, EXISTS, NO_MEMORY }

    public static final ArithmeticResult NOT_FOUND = new ArithmeticResult(Outcome.NOT_FOUND, 0, null);
    public static final ArithmeticResult NON_NUMERIC = new ArithmeticResult(Outcome.NON_NUMERIC, 0, null);
    public static final ArithmeticResult EXISTS = new ArithmeticResult(Outcome.EXISTS, 0, null);
    public static final ArithmeticResult NO_MEMORY = new ArithmeticResult(Outcome.NO_MEMORY, 0, null);
}
