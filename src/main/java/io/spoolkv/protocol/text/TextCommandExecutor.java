package io.spoolkv.protocol.text;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.Stat;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreResult;
import java.util.List;

/**
 * Runs the classic text commands against the shared command layer and says what to answer;
 * null means "answer nothing" (noreply). Thread-safe: it holds no connection state.
 */
public final class TextCommandExecutor {

    private static final TextResponse.Line NON_NUMERIC =
            TextResponse.Line.of("CLIENT_ERROR cannot increment or decrement non-numeric value");

    private static final TextResponse.Line VERSION = TextResponse.Line.of("VERSION " + StatsReporter.VERSION);

    private final CacheCommands commands;
    private final StatsReporter stats;
    private final MetaCommandExecutor meta;

    public TextCommandExecutor(CacheCommands commands, StatsReporter stats) {
        this.commands = commands;
        this.stats = stats;
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
            return stats(s.group());
        } else if (request instanceof TextRequest.Version) {
            return VERSION;
        } else if (request instanceof TextRequest.Verbosity v) {
            return quietly(v.noreply(), TextResponse.Line.OK);
        } else if (request instanceof TextRequest.Refused r) {
            if (r.unlink() != null) {
                commands.store().delete(r.unlink(), 0, false);
            }
            return quietly(r.noreply(), TextResponse.Line.of(r.reply()));
        } else if (request instanceof TextRequest.Invalid i) {
            return TextResponse.Line.of(i.reply());
        }
        throw new IllegalArgumentException("not a plain command: " + request);
    }

    /**
     * One key of a get/gets/gat/gats: its VALUE block, or null on a miss. The caller writes the blocks one at a
     * time, as the socket takes them, and END after the last key.
     */
    public TextResponse retrieve(int clientId, TextRequest.Retrieval r, Key key) {
        Item item = r.touch() ? commands.getAndTouch(clientId, key, r.exptime()) : commands.get(clientId, key);
        return item == null ? null : new TextResponse.Value(item, r.withCas());
    }

    private TextResponse store(int clientId, TextRequest.Storage s) {
        if (s.cas() && s.request().compareCas() == 0) {
            // No item ever has CAS 0, so memcached never stores this; the store reads 0 as "no CAS".
            return commands.peek(s.request().key()) != null ? TextResponse.Line.EXISTS : TextResponse.Line.NOT_FOUND;
        }
        StoreResult result = commands.store(clientId, s.request());
        return switch (result.outcome()) {
            case STORED -> TextResponse.Line.STORED;
            case NOT_STORED -> TextResponse.Line.NOT_STORED;
            case EXISTS -> TextResponse.Line.EXISTS;
            case NOT_FOUND -> TextResponse.Line.NOT_FOUND;
        };
    }

    private TextResponse arithmetic(TextRequest.Arith a) {
        ArithmeticResult result = commands.arithmetic(a.arithmetic());
        return switch (result.outcome()) {
            case OK -> new TextResponse.Number(result.value());
            case NOT_FOUND, EXISTS -> TextResponse.Line.NOT_FOUND;
            case NON_NUMERIC -> NON_NUMERIC;
        };
    }

    private TextResponse stats(String group) {
        List<Stat> report = stats.report(group);
        return report == null ? TextResponse.Line.ERROR : new TextResponse.Stats(report);
    }

    private static TextResponse quietly(boolean noreply, TextResponse response) {
        return noreply ? null : response;
    }
}
