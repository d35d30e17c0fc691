package io.spoolkv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.protocol.binary.BinaryResponse;
import io.spoolkv.protocol.text.TextResponse;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * A reply that holds stored values is released once: a second release (a second owner's mistake) gives nothing
 * back, so it cannot take the store's own reference or the value's. Observed on the stored item: while the store
 * holds it, a retain must still succeed.
 */
class HeldValuesReleaseTest {

    private final MemoryItemStore store = new MemoryItemStore(
            new StoreProperties(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1), true), MutableClock.atDefaultStart());
    private final Key key = Key.of("k");

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Item stored() {
        store.store(StoreRequest.of(StoreMode.SET, key, new byte[16 * 1024], 0, 0));
        return store.get(key); // retained for the reply
    }

    /** Proves: a get reply (text VALUE blocks) released twice gives its item back once; the store keeps its own. */
    @Test
    void aTextReplyReleasedTwiceReleasesItsItemsOnce() {
        Item item = stored();
        TextResponse.Values reply = new TextResponse.Values(List.of(item), false, true);
        assertThat(reply.release()).isTrue();
        assertThat(reply.refCnt()).isZero();
        assertThat(reply.release()).as("the second release").isFalse();
        assertThat(item.tryRetain()).as("the store still holds the item").isTrue();
        item.release();
        assertThat(store.peek(key)).isSameAs(item);
    }

    /** Proves: a binary GET reply released twice gives its value reference back once. */
    @Test
    void aBinaryReplyReleasedTwiceReleasesItsValueOnce() {
        Item item = stored();
        BinaryResponse reply = new BinaryResponse((byte) 0, (short) 0, 1, item.cas(), new byte[0], new byte[0],
                item.retainedValue());
        item.release(); // the read's reference; the reply holds one of its own on the value
        assertThat(reply.release()).isTrue();
        assertThat(reply.release()).as("the second release").isFalse();
        assertThat(item.tryRetain()).as("the store still holds the item").isTrue();
        assertThat(item.valueBytes()).hasSize(16 * 1024);
        item.release();
    }
}
