package io.spoolkv.watch;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The log streams a {@code watch} connection can ask for; spoolkv produces these two. */
public enum WatchStream {
    FETCHERS,
    MUTATIONS;

    /** Parses the stream names of a watch command; null if any name is unknown. */
    static Set<WatchStream> parse(List<String> names) {
        if (names.isEmpty()) {
            return EnumSet.allOf(WatchStream.class);
        }
        EnumSet<WatchStream> streams = EnumSet.noneOf(WatchStream.class);
        for (String name : names) {
            try {
                streams.add(valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return streams;
    }
}
