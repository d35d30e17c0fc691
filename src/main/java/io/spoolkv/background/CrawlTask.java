package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.RuntimeSettings;
import io.spoolkv.spool.ConnectionSpool;

/**
 * One {@code lru_crawler crawl}: a pass of the store's crawler on the background executor, which reclaims the
 * expired and flushed items it finds and counts them ({@code crawler_reclaimed}, {@code crawler_items_checked}).
 * The OK goes out at once, as memcached answers it; the pass streams nothing, but like a dump it holds the
 * connection's next request until it is done, so that the client's next {@code stats} sees what it did.
 */
public final class CrawlTask extends StreamingTask {

    private final CacheCommands commands;
    private final RuntimeSettings settings;
    private final Runnable passOver;

    /**
     * @param passOver the crawl-finished bookkeeping, idempotent: run once the pass returned (whatever then
     *        happens to the stream's end), or when the connection closes before the pass ran
     */
    public CrawlTask(ConnectionSpool spool, BackgroundExecutor executor, Runnable onDone, Runnable passOver,
                     CacheCommands commands, RuntimeSettings settings) {
        super(spool, executor, 0, "lru_crawler crawl", onDone);
        this.commands = commands;
        this.settings = settings;
        this.passOver = passOver;
    }

    @Override
    protected boolean fill(ByteBuf chunk) {
        try {
            settings.crawled(commands.crawl());
        } finally {
            passOver.run(); // the crawl is over now, even if the queued end never runs (a close discards it)
        }
        return false; // nothing to send: the stream ends empty
    }

    @Override
    protected void onClosed() {
        super.onClosed();
        passOver.run();
    }
}
