package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.Key;
import io.spoolkv.store.SlabClasses;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one command line (without its line end) into a {@link ParsedLine}, with memcached 1.6's
 * error strings. Thread-safe (the line is tokenized by the thread's {@link LineTokens}); framing is
 * {@link TextRequestDecoder}'s job.
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
    private static final int MAX_SLAB_CLASS = SlabClasses.MAX_CLASS_ID;

    /** Every command with a parser; the first token is looked up here, without building a String. */
    private static final String[] COMMANDS = {"get", "set", "gets", "delete", "incr", "decr", "touch", "gat", "gats",
        "add", "replace", "append", "prepend", "cas", "mg", "ms", "md", "ma", "mn", "me", "version", "stats",
        "flush_all", "verbosity", "cache_memlimit", "slabs", "shutdown", "quit", "lru_crawler", "watch"};
    /** What the switch sees for a first token that is no command (a token is never empty, so no command is this). */
    private static final String UNKNOWN = "";

    private final int maxItemSize;
    private final MetaCommandParser meta;

    TextCommandParser(int maxItemSize) {
        this.maxItemSize = maxItemSize;
        this.meta = new MetaCommandParser(this);
    }

    /** Parses the line of {@code length} bytes at {@code index} of {@code in}; the buffer is not changed. */
    ParsedLine parse(ByteBuf in, int index, int length) {
        // A long multi-get line gets a tokenizer of its own: the thread's one would keep arrays the size of the
        // longest line it ever read (up to max-retrieval-line, plus its offsets) for the life of the event loop.
        LineTokens tokens = length > TextRequestDecoder.MAX_LINE ? new LineTokens() : LineTokens.forThread();
        return parse(tokens.read(in, index, length));
    }

    /** Parses a line given as text (ISO-8859-1); tests use it. */
    ParsedLine parse(String line) {
        return parse(LineTokens.forThread().read(line));
    }

    private ParsedLine parse(LineTokens t) {
        if (t.count() == 0) {
            return invalid(ERROR);
        }
        String cmd = t.lookup(0, COMMANDS);
        try {
            return switch (cmd == null ? UNKNOWN : cmd) {
                case "get" -> retrieval(t, false, false);
                case "gets" -> retrieval(t, true, false);
                case "gat" -> retrieval(t, false, true);
                case "gats" -> retrieval(t, true, true);
                case "set" -> storage(t, StoreMode.SET, false);
                case "add" -> storage(t, StoreMode.ADD, false);
                case "replace" -> storage(t, StoreMode.REPLACE, false);
                case "append" -> storage(t, StoreMode.APPEND, false);
                case "prepend" -> storage(t, StoreMode.PREPEND, false);
                case "cas" -> storage(t, StoreMode.SET, true);
                case "delete" -> delete(t);
                case "incr" -> arithmetic(t, true);
                case "decr" -> arithmetic(t, false);
                case "touch" -> touch(t);
                case "version" -> complete(new TextRequest.Version());
                // memcached without -A answers this whatever the arguments, noreply included.
                case "shutdown" -> invalid(SHUTDOWN_DISABLED);
                case "quit" -> complete(new TextRequest.Quit());
                case UNKNOWN -> httpRequest(t) ? complete(new TextRequest.Quit(true)) : invalid(ERROR);
                // The rest are not on the hot path: they take the tokens as text.
                default -> parseText(cmd, t.texts());
            };
        } catch (BadCommandException e) {
            return invalid(e.getMessage());
        }
    }

    private ParsedLine parseText(String cmd, List<String> tokens) {
        return switch (cmd) {
            case "flush_all" -> flushAll(tokens);
            case "stats" -> complete(new TextRequest.Stats(tokens.size() > 1 ? String.join(" ", tokens.subList(1, tokens.size())) : null));
            case "verbosity" -> verbosity(tokens);
            case "cache_memlimit" -> cacheMemlimit(tokens);
            case "slabs" -> slabs(tokens);
            case "mg", "ms", "md", "ma", "me", "mn" -> meta.parse(cmd.charAt(1), tokens);
            case "lru_crawler" -> tokens.size() < 2 || tokens.size() > 3 ? invalid(ERROR)
                    : complete(new TextRequest.LruCrawler(tokens.get(1), tokens.size() > 2 ? tokens.get(2) : null));
            case "watch" -> complete(new TextRequest.Watch(List.copyOf(tokens.subList(1, tokens.size()))));
            default -> throw new IllegalStateException("command without a parser: " + cmd);
        };
    }

    /** memcached closes, without a reply, an unknown command line that ends like an HTTP request line. */
    private static boolean httpRequest(LineTokens t) {
        return t.startsWith(t.count() - 1, "HTTP/");
    }

    private ParsedLine retrieval(LineTokens t, boolean withCas, boolean touch) {
        int first = touch ? 2 : 1;
        if (t.count() <= first) {
            return invalid(ERROR);
        }
        long exptime = touch ? exptime32(t, 1, BAD_EXPTIME) : 0;
        List<Key> keys = new ArrayList<>(t.count() - first);
        for (int i = first; i < t.count(); i++) {
            keys.add(key(t, i));
        }
        return complete(new TextRequest.Retrieval(keys, withCas, touch, exptime));
    }

    private ParsedLine storage(LineTokens t, StoreMode mode, boolean cas) {
        int required = cas ? 6 : 5;
        if (t.count() != required && t.count() != required + 1) {
            return invalid(ERROR);
        }
        int flags = (int) number(t, 2, LineTokens::parseUnsigned32, BAD_FORMAT);
        long exptime = exptime32(t, 3, BAD_FORMAT);
        int length = length(t, 4);
        long compareCas = cas ? number(t, 5, LineTokens::parseUnsigned64, BAD_FORMAT) : 0;
        boolean noreply = noreply(t, required);
        if (!validKey(t, 1)) {
            // memcached leaves the data block to be read as commands; skipping it keeps the
            // connection in step, which is what every client wants.
            return new ParsedLine.Swallow(new TextRequest.Refused(BAD_FORMAT, null, noreply), length);
        }
        Key key = t.key(1);
        if (length > maxItemSize) {
            Key unlink = mode == StoreMode.SET && !cas ? key : null;
            return new ParsedLine.Swallow(new TextRequest.Refused(TOO_LARGE, unlink, noreply), length);
        }
        return new ParsedLine.AwaitData(length, data -> new TextRequest.Storage(
                new StoreRequest(mode, key, data, flags, exptime, compareCas, 0, false), cas, noreply));
    }

    private ParsedLine delete(LineTokens t) {
        if (t.count() < 2 || t.count() > 4) {
            return invalid(ERROR);
        }
        Key key = key(t, 1);
        boolean noreply = t.is(t.count() - 1, "noreply");
        int extra = t.count() - 2 - (noreply ? 1 : 0);
        // memcached accepts a legacy "0" hold time and nothing else; noreply silences the error too.
        if (extra > 1 || (extra == 1 && !t.is(2, "0"))) {
            return complete(new TextRequest.Refused(BAD_DELETE, null, noreply));
        }
        return complete(new TextRequest.Delete(key, noreply));
    }

    private ParsedLine arithmetic(LineTokens t, boolean increment) {
        if (t.count() != 3 && t.count() != 4) {
            return invalid(ERROR);
        }
        Key key = key(t, 1);
        long delta = number(t, 2, LineTokens::parseUnsigned64, BAD_DELTA);
        return complete(new TextRequest.Arith(Arithmetic.of(key, increment, delta), noreply(t, 3)));
    }

    private ParsedLine touch(LineTokens t) {
        if (t.count() != 3 && t.count() != 4) {
            return invalid(ERROR);
        }
        Key key = key(t, 1);
        long exptime = exptime32(t, 2, BAD_EXPTIME);
        return complete(new TextRequest.Touch(key, exptime, noreply(t, 3)));
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

    /** A token as a key: 1 to 250 bytes, else memcached's bad format. */
    private static Key key(LineTokens t, int token) {
        if (!validKey(t, token)) {
            throw new BadCommandException(BAD_FORMAT);
        }
        return t.key(token);
    }

    /** As {@link Tokens#validKey}: tokens are never empty, so only the length is checked. */
    private static boolean validKey(LineTokens t, int token) {
        return t.length(token) <= Key.MAX_LENGTH;
    }

    private static boolean noreply(LineTokens t, int token) {
        return t.count() > token && t.is(token, "noreply");
    }

    /** A token parsed by one of {@link LineTokens}' number rules; {@code error} when it is not such a number. */
    private static long number(LineTokens t, int token, NumberRule rule, String error) {
        try {
            return rule.parse(t, token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(error);
        }
    }

    private static long exptime32(LineTokens t, int token, String error) {
        return number(t, token, LineTokens::signed32, error);
    }

    private static int length(LineTokens t, int token) {
        return checkedLength(number(t, token, LineTokens::parseLong, BAD_FORMAT));
    }

    @FunctionalInterface
    private interface NumberRule {
        long parse(LineTokens t, int token);
    }

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

    static long signedLong(String token) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw new BadCommandException(BAD_FORMAT);
        }
    }

    static int length(String token) {
        return checkedLength(signedLong(token));
    }

    /** A data block length memcached takes: not negative, and room for its CRLF in an int. */
    private static int checkedLength(long v) {
        if (v < 0 || v > Integer.MAX_VALUE - 2) {
            throw new BadCommandException(BAD_FORMAT);
        }
        return (int) v;
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
