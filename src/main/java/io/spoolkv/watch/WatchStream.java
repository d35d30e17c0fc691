package io.spoolkv.watch;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The log streams a {@code watch} connection can ask for: memcached 1.6.18's names, all of them
 * accepted as memcached accepts them. spoolkv writes lines for fetchers, mutations, evictions and
 * connevents; the others name events it does not have (no raw command log, no LRU crawler or slab
 * mover, no proxy), so they stay silent.
 */
public enum WatchStream {
    RAWCMDS,
    EVICTIONS,
    FETCHERS,
    MUTATIONS,
    SYSEVENTS,
    CONNEVENTS,
    PROXYREQS,
    PROXYEVENTS,
    PROXYUSER;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /**
     * Parses the stream names of a watch command (exact, lower case, as memcached compares them);
     * null if any name is unknown. No name means fetchers only, memcached's default.
     */
    static Set<WatchStream> parse(List<String> names) {
        if (names.isEmpty()) {
            return EnumSet.of(FETCHERS);
        }
        EnumSet<WatchStream> streams = EnumSet.noneOf(WatchStream.class);
        for (String name : names) {
            WatchStream stream = byWireName(name);
            if (stream == null) {
                return null;
            }
            streams.add(stream);
        }
        return streams;
    }

    private static WatchStream byWireName(String name) {
        for (WatchStream s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        return null;
    }
}
