package io.spoolkv.store;

import io.spoolkv.config.StoreProperties;
import java.time.Clock;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link MemoryItemStore} for tests that read values directly: it keeps every item its reads hand out and
 * gives their references back when it closes, before closing the store, so a test can read an item's value for
 * as long as it runs and the leak check still proves that every value buffer is freed.
 */
public final class ReleasingStore extends MemoryItemStore {

    private final Queue<Item> handedOut = new ConcurrentLinkedQueue<>();

    public ReleasingStore(StoreProperties properties, Clock clock) {
        super(properties, clock);
    }

    public ReleasingStore(StoreProperties properties, Clock clock, EvictionListener listener) {
        super(properties, clock, listener);
    }

    private Item held(Item item) {
        if (item != null) {
            handedOut.add(item);
        }
        return item;
    }

    @Override
    public Item get(Key key) {
        return held(super.get(key));
    }

    @Override
    public Item getAndTouch(Key key, long exptime) {
        return held(super.getAndTouch(key, exptime));
    }

    @Override
    public ReadResult read(ReadRequest request) {
        ReadResult result = super.read(request);
        held(result.item());
        return result;
    }

    @Override
    public void close() {
        for (Item item; (item = handedOut.poll()) != null; ) {
            item.release();
        }
        super.close();
    }
}
