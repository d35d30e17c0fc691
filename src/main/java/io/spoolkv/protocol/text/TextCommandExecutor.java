package io.spoolkv.protocol.text;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.StatsGroups;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreResult;
import java.util.List;

/**
 * Runs the classic text commands against the shared command layer and says what to answer;
 * null means "answer nothing" (noreply). Thread-safe: it holds no connection state.
 */
public final class TextCommandExecutor {

    private static final TextResponse.Line NON_NUMERIC =
            TextResponse.Line.of("CLIENT_ERROR cannot increment or decrement non-numeric value");

    /** memcached's answers when an item's memory cannot be allocated: a store's, and incr/decr's. */
    static final TextResponse.Line OUT_OF_MEMORY_STORING = TextResponse.Line.of("SERVER_ERROR out of memory storing object");
    static final TextResponse.Line OUT_OF_MEMORY = TextResponse.Line.of("SERVER_ERROR out of memory");

    private static final TextResponse.Line VERSION = TextResponse.Line.of("VERSION " + StatsReporter.VERSION);
    private static final TextResponse.Line RESET = TextResponse.Line.of("RESET");
    private static final TextResponse.Line DETAIL_USAGE = TextResponse.Line.of("CLIENT_ERROR usage: stats detail on|off|dump");
    private static final TextResponse.Line MEMLIMIT_TOO_SMALL =
            TextResponse.Line.of("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
    private static final TextResponse.Line MEMLIMIT_NOT_BYTES =
            TextResponse.Line.of("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes");
    private static final TextResponse.Line MEMLIMIT_OUT_OF_BOUNDS =
            TextResponse.Line.of("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
    /** memcached's smallest cache_memlimit, in megabytes. */
    private static final long MIN_MEMLIMIT_MB = 8;

    private final CacheCommands commands;
    private final StatsReporter stats;
    private final StatsGroups groups;
    private final MetaCommandExecutor meta;

    public TextCommandExecutor(CacheCommands commands, StatsReporter stats) {
        this.commands = commands;
        this.stats = stats;
        this.groups = new StatsGroups(commands, stats);
        this.meta = new MetaCommandExecutor(commands);
    }

    /**
     * The reply to {@code request}, or null for none. Retrievals ({@link #retrieve}) and background commands are
     * not handled here.
     */
    public TextResponse execute(int clientId, TextRequest request) {
        if (request instanceof TextRequest.Storage s) {
            return quietly(s.noreply(), store(clientId, s));
        } else if (request instanceof TextRequest.Meta m) {
            return meta.execute(clientId, m.command());
        } else if (request instanceof TextRequest.Delete d) {
            boolean deleted = commands.delete(d.key(), 0, false) == DeleteOutcome.DELETED;
            return quietly(d.noreply(), deleted ? TextResponse.Line.DELETED : TextResponse.Line.NOT_FOUND);
        } else if (request instanceof TextRequest.Arith a) {
            return quietly(a.noreply(), arithmetic(a));
        } else if (request instanceof TextRequest.Touch t) {
            boolean touched = commands.touch(t.key(), t.exptime());
            return quietly(t.noreply(), touched ? TextResponse.Line.TOUCHED : TextResponse.Line.NOT_FOUND);
        } else if (request instanceof TextRequest.FlushAll f) {
            commands.flushAll(f.delaySeconds());
            return quietly(f.noreply(), TextResponse.Line.OK);
        } else if (request instanceof TextRequest.Stats s) {
            return stats(clientId, s.group());
        } else if (request instanceof TextRequest.Version) {
            return VERSION;
        } else if (request instanceof TextRequest.Verbosity v) {
            stats.settings().verbosity(v.level());
            return quietly(v.noreply(), TextResponse.Line.OK);
        } else if (request instanceof TextRequest.SlabsAutomove a) {
            stats.settings().slabAutomove(a.level());
            return quietly(a.noreply(), TextResponse.Line.OK);
        } else if (request instanceof TextRequest.CacheMemlimit m) {
            return quietly(m.noreply(), cacheMemlimit(m.megabytes()));
        } else if (request instanceof TextRequest.Refused r) {
            if (r.reply().equals(TextCommandParser.TOO_LARGE)) {
                commands.refuseTooLarge(r.unlink(), true);
            } else if (r.unlink() != null) {
                commands.unlink(r.unlink());
            }
            return quietly(r.noreply(), TextResponse.Line.of(r.reply()));
        } else if (request instanceof TextRequest.Invalid i) {
            return TextResponse.Line.of(i.reply());
        }
        throw new IllegalArgumentException("not a plain command: " + request);
    }

    /**
     * One key of a get/gets/gat/gats: its item, or null on a miss. The caller looks keys up one at a time, as the
     * socket takes the answers, and writes END after the last key.
     */
    public Item retrieve(int clientId, TextRequest.Retrieval r, Key key) {
        return r.touch() ? commands.getAndTouch(clientId, key, r.exptime()) : commands.get(clientId, key);
    }

    private TextResponse store(int clientId, TextRequest.Storage s) {
        StoreResult result = s.cas() ? commands.compareAndStore(clientId, s.request()) : commands.store(clientId, s.request());
        if (result.outcome() == StoreResult.Outcome.NO_MEMORY) {
            // memcached's text protocol drops the old value of a failed set, not of a cas, add or replace
            boolean unlinks = s.request().mode() == StoreMode.SET && !s.cas();
            commands.refuseNoMemory(unlinks ? s.request().key() : null, true);
        }
        return switch (result.outcome()) {
            case STORED -> TextResponse.Line.STORED;
            case NOT_STORED -> TextResponse.Line.NOT_STORED;
            case EXISTS -> TextResponse.Line.EXISTS;
            case NOT_FOUND -> TextResponse.Line.NOT_FOUND;
            case NO_MEMORY -> OUT_OF_MEMORY_STORING;
        };
    }

    private TextResponse arithmetic(TextRequest.Arith a) {
        ArithmeticResult result = commands.arithmetic(a.arithmetic());
        return switch (result.outcome()) {
            case OK -> new TextResponse.Number(result.value());
            case NOT_FOUND, EXISTS -> TextResponse.Line.NOT_FOUND;
            case NON_NUMERIC -> NON_NUMERIC;
            case NO_MEMORY -> OUT_OF_MEMORY;
        };
    }

    /**
     * stats [group [args]]: the text-only groups (conns, cachedump) here, the rest as {@link StatsGroups} decides
     * for both protocols; memcached ignores arguments it does not need.
     */
    private TextResponse stats(int clientId, String group) {
        String[] args = group == null ? new String[0] : group.split(" ");
        String name = args.length == 0 ? null : args[0];
        if ("cachedump".equals(name)) {
            return cachedump(args);
        } else if ("conns".equals(name)) {
            return new TextResponse.Stats(stats.conns(clientId));
        }
        StatsGroups.Answer answer = groups.answer(group);
        if (answer instanceof StatsGroups.Answer.Block block) {
            return new TextResponse.Stats(block.stats());
        } else if (answer instanceof StatsGroups.Answer.Dump dump) {
            return lines(dump.lines());
        } else if (answer instanceof StatsGroups.Answer.Reset) {
            return RESET;
        } else if (answer instanceof StatsGroups.Answer.Switched) {
            return TextResponse.Line.OK;
        } else if (answer instanceof StatsGroups.Answer.DetailUsage) {
            return DETAIL_USAGE;
        } else if (answer instanceof StatsGroups.Answer.Unknown) {
            return TextResponse.Line.ERROR;
        }
        throw new IllegalStateException("unencoded stats answer " + answer);
    }

    private TextResponse cachedump(String[] args) {
        if (args.length < 3) {
            return TextResponse.Line.of("CLIENT_ERROR bad command line");
        }
        long slabClass;
        long limit;
        try {
            slabClass = Numbers.parseUnsigned32(args[1]);
            limit = Numbers.parseUnsigned32(args[2]);
        } catch (NumberFormatException e) {
            return TextResponse.Line.of(TextCommandParser.BAD_FORMAT);
        }
        if (slabClass > StatsReporter.MAX_SLAB_CLASS) {
            return TextResponse.Line.of("CLIENT_ERROR Illegal slab id");
        }
        return lines(stats.cachedump((int) slabClass, (int) Math.min(limit, Integer.MAX_VALUE)));
    }

    /** Raw reply lines then END, as one reply (key bytes pass through ISO-8859-1 unchanged). */
    private static TextResponse lines(List<String> lines) {
        if (lines.isEmpty()) {
            return TextResponse.Line.END;
        }
        return TextResponse.Line.of(String.join("\r\n", lines) + "\r\nEND");
    }

    /** cache_memlimit: memcached's limits, plus spoolkv's rule that every storable item must still fit. */
    private TextResponse cacheMemlimit(long megabytes) {
        if (megabytes < 0 || megabytes > Long.MAX_VALUE >> 20) {
            return MEMLIMIT_NOT_BYTES;
        }
        if (megabytes < MIN_MEMLIMIT_MB) {
            return MEMLIMIT_TOO_SMALL;
        }
        long bytes = megabytes << 20;
        if (bytes < commands.maxItemSize()) {
            return TextResponse.Line.of("MEMLIMIT_TOO_SMALL cannot set maxbytes below item_size_max ("
                    + commands.maxItemSize() + " bytes)");
        }
        // memcached's answer when it cannot adjust; here, a bound the JVM's direct memory cannot hold
        return commands.maxMemory(bytes) ? TextResponse.Line.OK : MEMLIMIT_OUT_OF_BOUNDS;
    }

    private static TextResponse quietly(boolean noreply, TextResponse response) {
        return noreply ? null : response;
    }
}
