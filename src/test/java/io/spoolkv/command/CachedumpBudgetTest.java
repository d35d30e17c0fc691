package io.spoolkv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** stats cachedump runs on the event loop: its walk of the index is bounded by items examined, not by lines. */
class CachedumpBudgetTest {

    private final MemoryItemStore store = new MemoryItemStore(
            new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), MutableClock.atDefaultStart());

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Counts the items the walk takes from the index. */
    private static final class Counting implements Iterator<Item> {
        private final Iterator<Item> items;
        int taken;

        Counting(Iterator<Item> items) {
            this.items = items;
        }

        @Override
        public boolean hasNext() {
            return items.hasNext();
        }

        @Override
        public Item next() {
            taken++;
            return items.next();
        }
    }

    /**
     * Proves a cachedump of a class that holds nothing among many items stops after its budget of items examined
     * (it used to walk the whole index), and that within the budget it still finds the class's items.
     */
    @Test
    void aCachedumpOfAnEmptyClassStopsAtItsBudget() {
        for (int i = 0; i < 500; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of("k" + i), new byte[] {'v'}, 0, 0)); // all class 1
        }
        Counting walk = new Counting(store.itemsFrom(null));
        assertThat(StatsReporter.cachedump(walk, 5, 1, 100)).isEmpty();
        assertThat(walk.taken).isEqualTo(100);
        Counting full = new Counting(store.itemsFrom(null));
        assertThat(StatsReporter.cachedump(full, 5, 1, StatsReporter.CACHEDUMP_MAX_EXAMINED)).isEmpty();
        assertThat(full.taken).isEqualTo(500); // fewer items than the budget: the whole index
        List<String> found = StatsReporter.cachedump(store.itemsFrom(null), 1, 0, 100);
        assertThat(found).hasSize(100).allMatch(line -> line.startsWith("ITEM k") && line.endsWith(" [1 b; 0 s]"));
    }
}
