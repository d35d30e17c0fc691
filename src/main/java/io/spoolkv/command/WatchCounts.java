package io.spoolkv.command;

/**
 * What memcached's logger reports in general stats ({@code log_*}), from whatever serves {@code watch}.
 * An interface here so that the stats need not depend on the watch package (which depends on this one).
 */
public interface WatchCounts {

    /** Nothing watches: every count is 0. */
    WatchCounts NONE = new WatchCounts() {
        @Override
        public int watchers() {
            return 0;
        }

        @Override
        public long linesWritten() {
            return 0;
        }

        @Override
        public long linesSent() {
            return 0;
        }

        @Override
        public long linesSkipped() {
            return 0;
        }
    };

    /** Connections watching now ({@code log_watchers}). */
    int watchers();

    /** Events formatted for at least one watcher ({@code log_worker_written}). */
    long linesWritten();

    /** Lines a watcher's connection took ({@code log_watcher_sent}). */
    long linesSent();

    /** Lines a slow watcher lost ({@code log_watcher_skipped}). */
    long linesSkipped();
}
