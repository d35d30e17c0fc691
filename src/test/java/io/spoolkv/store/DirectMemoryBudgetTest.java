package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import org.junit.jupiter.api.Test;

/** The store's bound plus the spool's budget must fit the JVM's direct-memory limit. */
class DirectMemoryBudgetTest {

    static final long MB = 1L << 20;

    /** Proves: a max-memory that does not fit is refused with a message naming the properties and the JVM flag. */
    @Test
    void aBoundBeyondTheDirectLimitIsRefusedAtStartup() {
        assertThatIllegalStateException().isThrownBy(() -> new DirectMemoryBudget(1000 * MB, 64 * MB, 1024 * MB))
                .withMessageContaining("spoolkv.store.max-memory (1000 MB)")
                .withMessageContaining("spoolkv.spool.max-total-bytes (64 MB)")
                .withMessageContaining("direct memory limit (1024 MB, -XX:MaxDirectMemorySize)")
                .withMessageContaining("at least 1064 MB");
    }

    /** Proves: the rule is bound + spool budget <= limit, exactly at the edge. */
    @Test
    void fitsUpToTheLimitLessTheSpoolBudget() {
        DirectMemoryBudget budget = new DirectMemoryBudget(960 * MB, 64 * MB, 1024 * MB);
        assertThat(budget.fits(960 * MB)).isTrue();
        assertThat(budget.fits(960 * MB + 1)).isFalse();
    }
}
