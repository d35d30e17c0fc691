package io.spoolkv.protocol.text;

import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreRequest;
import java.util.List;

/**
 * One decoded request of memcached's text protocol, in the order the client sent it. Values are
 * plain arrays the store takes over, so no request holds a reference-counted buffer.
 */
public sealed interface TextRequest {

    /**
     * set, add, replace, append, prepend, cas.
     *
     * @param cas the command was {@code cas}: its unique is compared even when it is 0
     */
    record Storage(StoreRequest request, boolean cas, boolean noreply) implements TextRequest { }

    /** get, gets, gat, gats; {@code touch} carries {@code exptime}. */
    record Retrieval(List<Key> keys, boolean withCas, boolean touch, long exptime) implements TextRequest { }

    record Delete(Key key, boolean noreply) implements TextRequest { }

    /** incr, decr. */
    record Arith(Arithmetic arithmetic, boolean noreply) implements TextRequest { }

    record Touch(Key key, long exptime, boolean noreply) implements TextRequest { }

    record FlushAll(long delaySeconds, boolean noreply) implements TextRequest { }

    /** stats with an optional group (settings, items, slabs, conns...); null for the general block. */
    record Stats(String group) implements TextRequest { }

    record Version() implements TextRequest { }

    record Verbosity(int level, boolean noreply) implements TextRequest { }

    /** slabs automove 0|1|2: only recorded, there are no slab pages to move. */
    record SlabsAutomove(int level, boolean noreply) implements TextRequest { }

    /** cache_memlimit: the new memory bound in megabytes (unsigned). */
    record CacheMemlimit(long megabytes, boolean noreply) implements TextRequest { }

    /**
     * quit, or a line memcached closes the connection for without a reply (an HTTP request line).
     *
     * @param protocolError the close is for a bad request: watch connevents reports reason=error
     */
    record Quit(boolean protocolError) implements TextRequest {
        public Quit() {
            this(false);
        }
    }

    /** A meta command: mg, ms, md, ma, me, mn. */
    record Meta(MetaCommand command) implements TextRequest { }

    /** lru_crawler metadump|mgdump &lt;all|hash|classes&gt;, and the crawler's other subcommands. */
    record LruCrawler(String subcommand, String argument) implements TextRequest { }

    /** watch [streams...]. */
    record Watch(List<String> streams) implements TextRequest { }

    /**
     * A storage command refused before its data was read (too large, bad key, bad flag).
     *
     * @param reply the error to send
     * @param unlink a key whose current item must go (memcached drops the old value when a set
     *               fails for size, so no stale value outlives the failed write); null for none
     * @param noreply the client asked for no reply, errors included
     */
    record Refused(String reply, Key unlink, boolean noreply) implements TextRequest { }

    /**
     * A request that could not be decoded: the reply is sent in order, then the connection
     * closes if {@code close}.
     */
    record Invalid(String reply, boolean close) implements TextRequest { }
}
