package io.spoolkv.command;

import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.DeleteRequest;
import io.spoolkv.store.Item;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.ReadResult;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The cache's commands, independent of any wire protocol: every codec (text, meta, binary)
 * decodes into these calls and encodes their answers. Counting here keeps memcached's stats
 * identical whichever protocol a client speaks.
 */
@Component
public class CacheCommands {

    private final ItemStore store;
    private final CommandStats stats = new CommandStats();
    private final PrefixStats prefixes = new PrefixStats();
    private final MutationListener mutations;

    @Autowired
    public CacheCommands(ItemStore store, ObjectProvider<MutationListener> mutations) {
        this(store, mutations.getIfAvailable(() -> MutationListener.NONE));
    }

    public CacheCommands(ItemStore store, MutationListener mutations) {
        this.store = store;
        this.mutations = mutations;
    }

    public ItemStore store() {
        return store;
    }

    public CommandStats stats() {
        return stats;
    }

    /** stats detail; the classic text commands record into it, as memcached's do. */
    public PrefixStats prefixStats() {
        return prefixes;
    }

    /** A retrieval of one key (get, gets, mg); null on a miss. */
    public Item get(int clientId, Key key) {
        stats.cmdGet.increment();
        Item item = store.get(key);
        countGet(clientId, key, item);
        return item;
    }

    /** A retrieval that also sets a new expiry (gat, gats, mg T). */
    public Item getAndTouch(int clientId, Key key, long exptime) {
        stats.cmdGet.increment();
        stats.cmdTouch.increment();
        Item item = store.getAndTouch(key, exptime);
        countGet(clientId, key, item);
        (item != null ? stats.touchHits : stats.touchMisses).increment();
        return item;
    }

    /**
     * A meta read (mg) with its touch, vivify and recache-token effects, done by the store in one
     * step and counted once, as memcached counts it: with T as a touch, else as a get.
     */
    public ReadResult read(int clientId, ReadRequest request) {
        ReadResult result = store.read(request);
        boolean hit = result.item() != null;
        if (request.touchExptime() != null) {
            stats.cmdTouch.increment();
            (hit ? stats.touchHits : stats.touchMisses).increment();
        } else {
            stats.cmdGet.increment();
            (hit ? stats.getHits : stats.getMisses).increment();
        }
        // the lookup missed when the read created the item, and memcached logs it so
        mutations.fetched(clientId, request.key(), result.created() ? null : result.item());
        return result;
    }

    private void countGet(int clientId, Key key, Item item) {
        (item != null ? stats.getHits : stats.getMisses).increment();
        mutations.fetched(clientId, key, item);
    }

    public StoreResult store(int clientId, StoreRequest request) {
        stats.cmdSet.increment();
        if (mutations.watchingFetches()) {
            // memcached's store looks the key up first, and watch fetchers sees that lookup
            mutations.fetched(clientId, request.key(), store.peek(request.key()));
        }
        StoreResult result = store.store(request);
        countStore(clientId, request, result);
        return result;
    }

    /**
     * A set or replace that compares with CAS 0 (ms C0, cas with unique 0). No item has CAS 0, so
     * it never stores: EXISTS when the key is live, NOT_FOUND when not.
     */
    public StoreResult storeComparingZero(int clientId, StoreRequest request) {
        stats.cmdSet.increment();
        StoreResult result = store.peek(request.key()) != null ? StoreResult.EXISTS : StoreResult.NOT_FOUND;
        (result == StoreResult.EXISTS ? stats.casBadval : stats.casMisses).increment();
        mutations.stored(clientId, request, result);
        return result;
    }

    private void countStore(int clientId, StoreRequest request, StoreResult result) {
        if (request.compareCas() != 0) {
            switch (result.outcome()) {
                case STORED -> stats.casHits.increment();
                case EXISTS -> stats.casBadval.increment();
                case NOT_FOUND -> stats.casMisses.increment();
                default -> { }
            }
        }
        mutations.stored(clientId, request, result);
    }

    public ArithmeticResult arithmetic(Arithmetic request) {
        ArithmeticResult result = store.arithmetic(request);
        if (result.created()) {
            return result; // ma N on a miss: memcached counts neither a hit nor a miss
        }
        boolean hit = result.outcome() == ArithmeticResult.Outcome.OK
                || result.outcome() == ArithmeticResult.Outcome.NON_NUMERIC;
        if (request.increment()) {
            (hit ? stats.incrHits : stats.incrMisses).increment();
        } else {
            (hit ? stats.decrHits : stats.decrMisses).increment();
        }
        return result;
    }

    public DeleteOutcome delete(Key key, long compareCas, boolean invalidate) {
        DeleteOutcome outcome = store.delete(key, compareCas, invalidate);
        (outcome == DeleteOutcome.DELETED ? stats.deleteHits : stats.deleteMisses).increment();
        return outcome;
    }

    /** A meta delete (md); memcached counts a hit only when the item goes, a miss on NF and EX. */
    public DeleteOutcome delete(DeleteRequest request) {
        DeleteOutcome outcome = store.delete(request);
        if (outcome != DeleteOutcome.DELETED) {
            stats.deleteMisses.increment();
        } else if (!request.invalidate() && !request.dropValue()) {
            stats.deleteHits.increment();
        }
        return outcome;
    }

    public boolean touch(Key key, long exptime) {
        stats.cmdTouch.increment();
        boolean found = store.touch(key, exptime);
        (found ? stats.touchHits : stats.touchMisses).increment();
        return found;
    }

    public void flushAll(long delaySeconds) {
        stats.cmdFlush.increment();
        store.flushAll(delaySeconds);
    }

    /** An item's metadata without counting a fetch (me, mg without value flags in debug tools). */
    public Item peek(Key key) {
        return store.peek(key);
    }
}
