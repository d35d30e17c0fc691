package io.spoolkv.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * A read hands out a retained item; when the watch log after it throws, the command layer gives that reference
 * back before the failure travels on. Observed on the item itself: once the store lets go of it (delete), its
 * count reaches 0 (a retain then fails) only if no reference leaked.
 */
class ReadReferenceOnFailureTest {

    private final MemoryItemStore store = new MemoryItemStore(
            new StoreProperties(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1), true), MutableClock.atDefaultStart());

    /** A watch hook that fails on every fetch, as WatchHub can (its buffers come from the same pool). */
    private final MutationListener failingWatch = new MutationListener() {
        @Override
        public void stored(int clientId, StoreRequest request, StoreResult result, int slabClass) {
        }

        @Override
        public void fetched(int clientId, Key key, Item item) {
            throw new IllegalStateException("watch publish failed (test)");
        }
    };

    private final CacheCommands commands = new CacheCommands(store, failingWatch);

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Stores k, runs the failing read, lets the store drop k, and says whether the read item's count reached 0. */
    private boolean freedAfter(Consumer<Key> failingRead) {
        Key key = Key.of("k");
        store.store(StoreRequest.of(StoreMode.SET, key, new byte[] {'v'}, 0, 0));
        assertThatThrownBy(() -> failingRead.accept(key)).hasMessageContaining("watch publish failed");
        Item held = store.peek(key); // the item the read retained (a touch stores a copy and retains that)
        store.delete(key, 0, false);
        boolean leaked = held.tryRetain();
        if (leaked) {
            held.release(); // the probe's own reference
            held.release(); // the leaked one, so the leak check reports only this test's assertion
        }
        return !leaked;
    }

    /** Proves: get (text get/gets, binary GET) releases its reference when the watch log throws. */
    @Test
    void getReleasesWhenTheWatchLogThrows() {
        assertThat(freedAfter(k -> commands.get(1, k))).isTrue();
    }

    /** Proves: gat/gats release their reference when the watch log throws. */
    @Test
    void getAndTouchReleasesWhenTheWatchLogThrows() {
        assertThat(freedAfter(k -> commands.getAndTouch(1, k, 100))).isTrue();
    }

    /** Proves: mg releases its reference when the watch log throws. */
    @Test
    void metaGetReleasesWhenTheWatchLogThrows() {
        assertThat(freedAfter(k -> commands.metaGet(1, new ReadRequest(k, true, null, null, null, false)))).isTrue();
    }

    /** Proves: binary GAT releases its reference when the watch log throws. */
    @Test
    void binaryGatReleasesWhenTheWatchLogThrows() {
        assertThat(freedAfter(k -> commands.touchAndGet(1, k, 100))).isTrue();
    }
}
