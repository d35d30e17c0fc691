package io.spoolkv.command;

import java.util.List;

/**
 * What a stats group asks for (text {@code stats <group>}, binary STAT with a key), decided once for both
 * protocols: they only encode the answer. The text-only groups ({@code conns}, {@code cachedump}; memcached's
 * binary STAT answers "not found" to them) stay with the text protocol. Thread-safe: it holds no state.
 */
public final class StatsGroups {

    /** The answer to a stats group, encoded by each protocol in its own form. */
    public sealed interface Answer {
        /** A block of stats, then the protocol's end marker. */
        record Block(List<Stat> stats) implements Answer { }
        /** The counters were reset (text RESET, binary an empty block). */
        record Reset() implements Answer { }
        /** stats detail was switched on or off (text OK, binary an empty block). */
        record Switched() implements Answer { }
        /** stats detail dump: memcached's PREFIX lines, without the END the protocol adds. */
        record Dump(List<String> lines) implements Answer { }
        /** stats detail without on, off or dump (text: the usage error; binary: not found). */
        record DetailUsage() implements Answer { }
        /** No such group (text ERROR, binary not found). */
        record Unknown() implements Answer { }
    }

    private static final Answer RESET = new Answer.Reset();
    private static final Answer SWITCHED = new Answer.Switched();
    private static final Answer DETAIL_USAGE = new Answer.DetailUsage();
    private static final Answer UNKNOWN = new Answer.Unknown();

    private final StatsReporter stats;
    private final PrefixStats prefixes;

    public StatsGroups(CacheCommands commands, StatsReporter stats) {
        this.stats = stats;
        this.prefixes = commands.prefixStats();
    }

    /**
     * The answer to a text {@code stats} line's {@code group}: its name, then its arguments, separated by spaces
     * (null or empty: the general block). As memcached's text protocol does, arguments a group does not need are
     * ignored.
     */
    public Answer answer(String group) {
        String[] args = group == null || group.isEmpty() ? new String[0] : group.split(" ");
        return answer(args);
    }

    /**
     * The answer to a binary STAT key: memcached's binary protocol names a group exactly, so a key with words a
     * group does not take, or only spaces, is no group at all (only {@code detail} takes one: on, off or dump).
     */
    public Answer answerExactly(String key) {
        if (key == null || key.isEmpty()) {
            return answer(new String[0]);
        }
        String[] args = key.split(" ", -1);
        boolean detailForm = args.length == 2 && "detail".equals(args[0]);
        return args.length == 1 || detailForm ? answer(args) : UNKNOWN;
    }

    private Answer answer(String[] args) {
        String name = args.length == 0 ? null : args[0];
        if ("reset".equals(name)) {
            stats.reset();
            return RESET;
        } else if ("detail".equals(name)) {
            return detail(args);
        } else if ("sizes_disable".equals(name)) {
            return new Answer.Block(List.of(Stat.of("sizes_status", "disabled")));
        } else if ("sizes_enable".equals(name)) {
            // spoolkv keeps no size histogram, so it refuses to turn one on, in memcached's error form
            return new Answer.Block(List.of(Stat.of("sizes_status", "error"), Stat.of("sizes_error", "not_supported")));
        }
        List<Stat> report = stats.report(name);
        return report == null ? UNKNOWN : new Answer.Block(report);
    }

    private Answer detail(String[] args) {
        if (args.length < 2) {
            return DETAIL_USAGE;
        }
        return switch (args[1]) {
            case "on" -> {
                prefixes.enabled(true);
                yield SWITCHED;
            }
            case "off" -> {
                prefixes.enabled(false);
                yield SWITCHED;
            }
            case "dump" -> new Answer.Dump(prefixes.dump());
            default -> DETAIL_USAGE;
        };
    }
}
