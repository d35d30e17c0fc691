package io.spoolkv.command;

import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
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

    private void countGet(int clientId, Key key, Item item) {
        (item != null ? stats.getHits : stats.getMisses).increment();
        mutations.fetched(clientId, key, item);
    }

    public StoreResult store(int clientId, StoreRequest request) {
        stats.cmdSet.increment();
        StoreResult result = store.store(request);
        if (request.compareCas() != 0) {
            switch (result.outcome()) {
                case STORED -> stats.casHits.increment();
                case EXISTS -> stats.casBadval.increment();
                case NOT_FOUND -> stats.casMisses.increment();
                default -> { }
            }
        }
        mutations.stored(clientId, request, result);
        return result;
    }

    public ArithmeticResult arithmetic(Arithmetic request) {
        ArithmeticResult result = store.arithmetic(request);
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
