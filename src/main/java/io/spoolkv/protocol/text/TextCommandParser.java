package io.spoolkv.protocol.text;

import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one command line (without its line end) into a {@link ParsedLine}, with memcached 1.6's
 * error strings. Stateless and thread-safe; framing is {@link TextRequestDecoder}'s job.
 */
final class TextCommandParser {

    static final String ERROR = "ERROR";
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";
    static final String TOO_LARGE = "SERVER_ERROR object too large for cache";
    static final String BAD_DELTA = "CLIENT_ERROR invalid numeric delta argument";
    static final String BAD_EXPTIME = "CLIENT_ERROR invalid exptime argument";
    static final String BAD_DELETE = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
    static final String SHUTDOWN_DISABLED = "ERROR: shutdown not enabled";

    private static final int MAX_TOKENS = 24;
    /** memcached's largest slab class id. */
    private static final int MAX_SLAB_CLASS = 63;

    private final int maxItemSize;
    private final MetaCommandParser meta;

    TextCommandParser(int maxItemSize) {
        this.maxItemSize = maxItemSize;
        this.meta = new MetaCommandParser(this);
    }

    ParsedLine parse(String line) {
        List<String> tokens = Tokens.split(Tokens.line(line));
        if (tokens.isEmpty()) {
            return invalid(ERROR);
        }
        String cmd = tokens.get(0);
        try {
            return switch (cmd) {
                case "get" -> retrieval(tokens, false, false);
                case "gets" -> retrieval(tokens, true, false);
                case "gat" -> retrieval(tokens, false, true);
                case "gats" -> retrieval(tokens, true, true);
                case "set" -> storage(tokens, StoreMode.SET, false);
                case "add" -> storage(tokens, StoreMode.ADD, false);
                case "replace" -> storage(tokens, StoreMode.REPLACE, false);
                case "append" -> storage(tokens, StoreMode.APPEND, false);
                case "prepend" -> storage(tokens, StoreMode.PREPEND, false);
                case "cas" -> storage(tokens, StoreMode.SET, true);
                case "delete" -> delete(tokens);
                case "incr" -> arithmetic(tokens, true);
                case "decr" -> arithmetic(tokens, false);
                case "touch" -> touch(tokens);
                case "flush_all" -> flushAll(tokens);
                case "stats" -> complete(new TextRequest.Stats(tokens.size() > 1 ? String.join(" ", tokens.subList(1, tokens.size())) : null));
                case "version" -> complete(new TextRequest.Version());
                case "verbosity" -> verbosity(tokens);
                case "cache_memlimit" -> cacheMemlimit(tokens);
                case "slabs" -> slabs(tokens);
                // memcached without -A answers this whatever the arguments, noreply included.
                case "shutdown" -> invalid(SHUTDOWN_DISABLED);
                case "quit" -> complete(new TextRequest.Quit());
                case "mg", "ms", "md", "ma", "me", "mn" -> meta.parse(cmd.charAt(1), tokens);
                case "lru_crawler" -> tokens.size() < 2 || tokens.size() > 3 ? invalid(ERROR)
                        : complete(new TextRequest.LruCrawler(tokens.get(1), tokens.size() > 2 ? tokens.get(2) : null));
                case "watch" -> complete(new TextRequest.Watch(List.copyOf(tokens.subList(1, tokens.size()))));
                default -> httpRequest(tokens) ? complete(new TextRequest.Quit(true)) : invalid(ERROR);
            };
        } catch (BadCommandException e) {
            return invalid(e.getMessage());
        }
    }

    /** memcached closes, without a reply, an unknown command line that ends like an HTTP request line. */
    private static boolean httpRequest(List<String> tokens) {
        return tokens.get(tokens.size() - 1).startsWith("HTTP/");
    }

    private ParsedLine retrieval(List<String> tokens, boolean withCas, boolean touch) {
        int first = touch ? 2 : 1;
        if (tokens.size() <= first) {
            return invalid(ERROR);
        }
        long exptime = touch ? exptime32(tokens.get(1), BAD_EXPTIME) : 0;
        List<Key> keys = new ArrayList<>(tokens.size() - first);
        for (int i = first; i < tokens.size(); i++) {
            keys.add(key(tokens.get(i)));
        }
        return complete(new TextRequest.Retrieval(keys, withCas, touch, exptime));
    }

    private ParsedLine storage(List<String> tokens, StoreMode mode, boolean cas) {
        int required = cas ? 6 : 5;
        if (tokens.size() != required && tokens.size() != required + 1) {
            return invalid(ERROR);
        }
        String keyToken = tokens.get(1);
        int flags = (int) unsigned32(tokens.get(2));
        long exptime = exptime32(tokens.get(3), BAD_FORMAT);
        int length = length(tokens.get(4));
        long compareCas = cas ? unsigned64(tokens.get(5)) : 0;
        boolean noreply = noreply(tokens, required);
        if (!Tokens.validKey(keyToken)) {
            // memcached leaves the data block to be read as commands; skipping it keeps the
            // connection in step, which is what every client wants.
            return new ParsedLine.Swallow(new TextRequest.Refused(BAD_FORMAT, null, noreply), length);
        }
        Key key = Key.wrap(Tokens.bytes(keyToken));
        if (length > maxItemSize) {
            Key unlink = mode == StoreMode.SET && !cas ? key : null;
            return new ParsedLine.Swallow(new TextRequest.Refused(TOO_LARGE, unlink, noreply), length);
        }
        return new ParsedLine.AwaitData(length, data -> new TextRequest.Storage(
                new StoreRequest(mode, key, data, flags, exptime, compareCas, 0, false), cas, noreply));
    }

    private ParsedLine delete(List<String> tokens) {
        if (tokens.size() < 2 || tokens.size() > 4) {
            return invalid(ERROR);
        }
        Key key = key(tokens.get(1));
        boolean noreply = tokens.get(tokens.size() - 1).equals("noreply");
        int extra = tokens.size() - 2 - (noreply ? 1 : 0);
        // memcached accepts a legacy "0" hold time and nothing else; noreply silences the error too.
        if (extra > 1 || (extra == 1 && !tokens.get(2).equals("0"))) {
            return complete(new TextRequest.Refused(BAD_DELETE, null, noreply));
        }
        return complete(new TextRequest.Delete(key, noreply));
    }

    private ParsedLine arithmetic(List<String> tokens, boolean increment) {
        if (tokens.size() != 3 && tokens.size() != 4) {
            return invalid(ERROR);
        }
        Key key = key(tokens.get(1));
        long delta;
        try {
            delta = Numbers.parseUnsigned64(tokens.get(2));
        } catch (NumberFormatException e) {
            return invalid(BAD_DELTA);
        }
        return complete(new TextRequest.Arith(Arithmetic.of(key, increment, delta), noreply(tokens, 3)));
    }

    private ParsedLine touch(List<String> tokens) {
        if (tokens.size() != 3 && tokens.size() != 4) {
            return invalid(ERROR);
        }
        Key key = key(tokens.get(1));
        long exptime = exptime32(tokens.get(2), BAD_EXPTIME);
        return complete(new TextRequest.Touch(key, exptime, noreply(tokens, 3)));
    }

    private ParsedLine flushAll(List<String> tokens) {
        if (tokens.size() > 3) {
            return invalid(ERROR);
        }
        boolean noreply = tokens.get(tokens.size() - 1).equals("noreply");
        if (tokens.size() == (noreply ? 2 : 1)) {
            return complete(new TextRequest.FlushAll(0, noreply));
        }
        // As memcached: the delay is the first argument, whatever follows it.
        long delay;
        try {
            delay = Long.parseLong(tokens.get(1));
        } catch (NumberFormatException e) {
            return complete(new TextRequest.Refused(BAD_EXPTIME, null, noreply));
        }
        // A negative delay means "now", as in memcached.
        return complete(new TextRequest.FlushAll(Math.max(0, delay), noreply));
    }

    private ParsedLine verbosity(List<String> tokens) {
        if (tokens.size() < 2 || tokens.size() > 3) {
            return invalid(ERROR);
        }
        boolean noreply = tokens.get(tokens.size() - 1).equals("noreply");
        try {
            int level = (int) Numbers.parseUnsigned32(tokens.get(1));
            return complete(new TextRequest.Verbosity(level, noreply));
        } catch (NumberFormatException e) {
            return complete(new TextRequest.Refused(BAD_FORMAT, null, noreply));
        }
    }

    /**
     * slabs automove|reassign, validated as memcached 1.6.18 does. The store has no slab pages, so a
     * valid reassign always finds none to move, and automove only records its level.
     */
    private ParsedLine slabs(List<String> tokens) {
        if (tokens.size() >= 3 && tokens.get(1).equals("automove") && tokens.size() <= 4) {
            boolean noreply = noreply(tokens, 3);
            long level;
            try {
                level = Long.parseLong(tokens.get(2));
            } catch (NumberFormatException e) {
                return complete(new TextRequest.Refused(BAD_FORMAT, null, noreply));
            }
            if (level < 0) {
                return complete(new TextRequest.Refused(BAD_FORMAT, null, noreply));
            }
            return level > 2 ? invalid(ERROR) : complete(new TextRequest.SlabsAutomove((int) level, noreply));
        }
        if (tokens.size() == 4 && tokens.get(1).equals("reassign")) {
            long src;
            long dst;
            try {
                src = Long.parseLong(tokens.get(2));
                dst = Long.parseLong(tokens.get(3));
            } catch (NumberFormatException e) {
                return invalid(BAD_FORMAT);
            }
            if (src < 1 || src > MAX_SLAB_CLASS || dst < 1 || dst > MAX_SLAB_CLASS) {
                return invalid("BADCLASS invalid src or dst class id");
            }
            return invalid(src == dst ? "SAME src and dst class are identical" : "NOSPARE source class has no spare pages");
        }
        return invalid(ERROR);
    }

    /** cache_memlimit MB [noreply]: a bad number is a plain ERROR in memcached. */
    private ParsedLine cacheMemlimit(List<String> tokens) {
        if (tokens.size() < 2 || tokens.size() > 3) {
            return invalid(ERROR);
        }
        try {
            long megabytes = Numbers.parseUnsigned64(tokens.get(1));
            return complete(new TextRequest.CacheMemlimit(megabytes, noreply(tokens, 2)));
        } catch (NumberFormatException e) {
            return invalid(ERROR);
        }
    }

    // ---- shared token rules, also used by the meta parser ----

    Key key(String token) {
        if (!Tokens.validKey(token)) {
            throw new BadCommandException(BAD_FORMAT);
        }
        return Key.wrap(Tokens.bytes(token));
    }

    int maxItemSize() {
        return maxItemSize;
    }

    static boolean noreply(List<String> tokens, int index) {
        return tokens.size() > index && tokens.get(index).equals("noreply");
    }

    static long unsigned32(String token) {
        try {
            return Numbers.parseUnsigned32(token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(BAD_FORMAT);
        }
    }

    static long signedLong(String token) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(BAD_FORMAT);
        }
    }

    static long unsigned64(String token) {
        try {
            return Numbers.parseUnsigned64(token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(BAD_FORMAT);
        }
    }

    static int length(String token) {
        long v = signedLong(token);
        if (v < 0 || v > Integer.MAX_VALUE - 2) {
            throw new BadCommandException(BAD_FORMAT);
        }
        return (int) v;
    }

    /** An exptime as memcached reads it (low 32 bits, {@link Numbers#signed32}); {@code error} when not a number. */
    private static long exptime32(String token, String error) {
        try {
            return Numbers.signed32(token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(error);
        }
    }

    private static ParsedLine complete(TextRequest request) {
        return new ParsedLine.Complete(request);
    }

    static ParsedLine invalid(String reply) {
        return new ParsedLine.Complete(new TextRequest.Invalid(reply, false));
    }

    static int maxTokens() {
        return MAX_TOKENS;
    }

    /** A line that breaks a rule; the message is the memcached reply. */
    static final class BadCommandException extends RuntimeException {
        BadCommandException(String reply) {
            super(reply, null, false, false);
        }
    }
}
