package io.spoolkv.command;

import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;

/**
 * Hears every storage attempt and every fetch, for memcached's {@code watch} streams. Called on the
 * event loop of the connection that ran the command, so implementations must be cheap and must
 * never block.
 */
public interface MutationListener {

    /**
     * A storage command finished with {@code result}; {@code clientId} names the connection, {@code slabClass} the
     * slab class of the item the request stores (memcached's item_store line carries it).
     */
    void stored(int clientId, StoreRequest request, StoreResult result, int slabClass);

    /** A retrieval; {@code item} is null on a miss. */
    void fetched(int clientId, Key key, Item item);

    /**
     * True while someone wants fetches: memcached logs the lookup a storage command makes as a
     * fetch too, and that lookup costs something only then.
     */
    default boolean watchingFetches() {
        return false;
    }

    MutationListener NONE = new MutationListener() {
        @Override
        public void stored(int clientId, StoreRequest request, StoreResult result, int slabClass) {
        }

        @Override
        public void fetched(int clientId, Key key, Item item) {
        }
    };
}
