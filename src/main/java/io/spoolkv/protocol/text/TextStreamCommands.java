package io.spoolkv.protocol.text;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.background.CrawlTask;
import io.spoolkv.background.ItemCursor;
import io.spoolkv.background.ItemLimits;
import io.spoolkv.background.ItemStream;
import io.spoolkv.background.ItemStreamTask;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.RuntimeSettings;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.Item;
import io.spoolkv.store.SlabClasses;
import io.spoolkv.watch.WatchHub;
import io.spoolkv.watch.WatchStream;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.stereotype.Component;

/**
 * Starts the text protocol's streaming commands: {@code lru_crawler metadump|mgdump} run as
 * {@link ItemStreamTask}s on the background executor; {@code watch} registers the connection with
 * the {@link WatchHub}. Both send everything through the connection's spool, never the socket.
 */
@Component
public class TextStreamCommands implements StreamCommands {

    private static final TextResponse BUSY = TextResponse.Line.of("BUSY currently processing crawler request");
    private static final TextResponse BAD_CLASS = TextResponse.Line.of("BADCLASS invalid class id");
    private static final TextResponse DISABLED = TextResponse.Line.of("CLIENT_ERROR lru crawler disabled");
    private static final TextResponse ENABLE_FAILED = TextResponse.Line.of("ERROR failed to start lru crawler thread");
    private static final TextResponse BAD_FORMAT = TextResponse.Line.of("CLIENT_ERROR bad command line format");
    private static final TextResponse SLEEP_TOO_LONG = TextResponse.Line.of("CLIENT_ERROR sleep must be one second or less");
    /** memcached numbers slab classes below this; any other id is a bad class. */
    private static final int MAX_CLASS_ID = SlabClasses.MAX_CLASS_ID;

    private final CacheCommands commands;
    private final SpoolService spools;
    private final BackgroundExecutor executor;
    private final WatchHub watchHub;
    private final int chunkBytes;
    private final RuntimeSettings settings;

    public TextStreamCommands(CacheCommands commands, SpoolService spools, BackgroundExecutor executor, WatchHub watchHub,
                              BackgroundProperties properties, RuntimeSettings settings) {
        this.commands = commands;
        this.spools = spools;
        this.executor = executor;
        this.watchHub = watchHub;
        this.chunkBytes = (int) properties.chunkBytes().toBytes();
        this.settings = settings;
    }

    @Override
    public Started start(ChannelHandlerContext ctx, int clientId, TextRequest request, Runnable onFinished) {
        ConnectionSpool spool = spools.spoolOf(ctx.channel());
        if (request instanceof TextRequest.Watch watch) {
            Set<WatchStream> streams = watchHub.streams(watch.streams());
            if (streams == null) {
                return Started.reply(TextResponse.Line.ERROR);
            }
            watchHub.watch(spool, streams);
            return new Started(TextResponse.Line.OK, true, true);
        }
        TextRequest.LruCrawler crawler = (TextRequest.LruCrawler) request;
        String arg = crawler.argument();
        TextResponse reply = switch (crawler.subcommand()) {
            case "metadump", "mgdump" -> null;
            case "enable" -> arg != null ? TextResponse.Line.ERROR
                    : settings.enableCrawler() ? TextResponse.Line.OK : ENABLE_FAILED;
            case "disable" -> arg != null ? TextResponse.Line.ERROR : disable();
            case "crawl" -> null;
            case "sleep" -> arg == null ? TextResponse.Line.ERROR : sleep(arg);
            case "tocrawl" -> arg == null ? TextResponse.Line.ERROR : toCrawl(arg);
            default -> TextResponse.Line.ERROR;
        };
        if (reply != null) {
            return Started.reply(reply);
        }
        if (crawler.subcommand().equals("crawl")) {
            return arg == null ? Started.reply(TextResponse.Line.ERROR) : crawl(spool, arg, onFinished);
        }
        KeyDumpFormat format = crawler.subcommand().equals("metadump") ? KeyDumpFormat.METADUMP : KeyDumpFormat.MGDUMP;
        return dump(spool, crawler, format, onFinished);
    }

    private TextResponse disable() {
        settings.disableCrawler();
        return TextResponse.Line.OK;
    }

    /**
     * Starts a pass of the crawler ({@link CrawlTask}) when the classes include the one that holds the items;
     * other valid classes are an empty crawl, counted as one that started and finished, as in memcached.
     */
    private Started crawl(ConnectionSpool spool, String classes, Runnable onFinished) {
        if (!settings.crawlerEnabled()) {
            return Started.reply(DISABLED);
        }
        Long named = classesNamed(classes);
        if (named == null) {
            return Started.reply(BAD_CLASS);
        }
        if (!settings.tryCrawlStarted()) {
            return Started.reply(BUSY); // single flight, as memcached's one crawler thread
        }
        // The store keeps one LRU for all classes: a crawl that names any class walks them all
        // (docs/compatibility.md); class 0 holds nothing, as in memcached.
        if ((named & ~1L) == 0) {
            settings.crawlFinished();
            return Started.reply(TextResponse.Line.OK);
        }
        CrawlEnd end = new CrawlEnd(spool.channel());
        CrawlTask task = new CrawlTask(spool, executor, finished(end, onFinished), end, commands, settings);
        if (task.start()) {
            return new Started(TextResponse.Line.OK, true, false);
        }
        end.run();
        return Started.reply(BUSY);
    }

    /** What a crawler task runs when its stream ended: the crawl is over, then the connection goes on. */
    private static Runnable finished(CrawlEnd end, Runnable onFinished) {
        return () -> {
            end.run();
            onFinished.run();
        };
    }

    /**
     * The crawl-finished bookkeeping of one crawl or dump, run once whichever way it ends first: its stream's
     * end on the event loop, its producer stopping early, the pass itself returning (a crawl), or the channel
     * closing (which covers a Finish the spool discarded without running it).
     */
    private final class CrawlEnd implements Runnable, ChannelFutureListener {

        private final AtomicBoolean settled = new AtomicBoolean();
        private final Channel channel;

        CrawlEnd(Channel channel) {
            this.channel = channel;
            channel.closeFuture().addListener(this);
        }

        @Override
        public void run() {
            if (settled.compareAndSet(false, true)) {
                settings.crawlFinished();
                channel.closeFuture().removeListener(this); // a long-lived connection must not collect listeners
            }
        }

        @Override
        public void operationComplete(ChannelFuture closed) {
            run();
        }
    }

    private TextResponse sleep(String micros) {
        long value;
        try {
            value = Long.parseLong(micros);
        } catch (NumberFormatException e) {
            return BAD_FORMAT;
        }
        if (value < 0) {
            return BAD_FORMAT;
        }
        if (value > RuntimeSettings.MAX_CRAWLER_SLEEP) {
            return SLEEP_TOO_LONG;
        }
        settings.crawlerSleep((int) value);
        return TextResponse.Line.OK;
    }

    private TextResponse toCrawl(String items) {
        if (items.isEmpty() || items.charAt(0) == '-') {
            return BAD_FORMAT;
        }
        try {
            // memcached keeps the low 32 bits of what strtoul read
            settings.crawlerToCrawl(Long.parseUnsignedLong(items) & 0xffffffffL);
            return TextResponse.Line.OK;
        } catch (NumberFormatException e) {
            return BAD_FORMAT;
        }
    }

    private Started dump(ConnectionSpool spool, TextRequest.LruCrawler crawler, KeyDumpFormat format,
                         Runnable onFinished) {
        if (crawler.argument() == null) {
            return Started.reply(TextResponse.Line.ERROR);
        }
        if (!settings.crawlerEnabled()) {
            return Started.reply(DISABLED);
        }
        Long named = classesNamed(crawler.argument());
        if (named == null) {
            return Started.reply(BAD_CLASS);
        }
        if ((named & ~1L) == 0) {
            // Valid classes that hold nothing here: an empty dump.
            return Started.reply(format == KeyDumpFormat.METADUMP ? TextResponse.Line.END : TextResponse.Line.of("EN"));
        }
        String command = "lru_crawler " + crawler.subcommand();
        settings.crawlStarted();
        CrawlEnd end = new CrawlEnd(spool.channel());
        Iterator<Item> items = commands.itemsFrom(null);
        ItemCursor cursor;
        if (named == ALL_CLASSES) {
            cursor = ItemCursor.of(items, commands::peek);
        } else {
            java.util.function.Predicate<Item> inNamed = item -> (named >>> item.slabClass() & 1) != 0;
            cursor = ItemCursor.of(items, key -> {
                Item item = commands.peek(key);
                return item != null && inNamed.test(item) ? item : null;
            }, inNamed, FILTER_EXAMINED_PER_CHUNK);
        }
        ItemStream stream = new ItemStream(cursor, ItemLimits.NONE, format);
        Runnable done = finished(end, onFinished);
        ItemStreamTask task = new ItemStreamTask(spool, executor, chunkBytes, command, stream, how -> done.run(), end);
        if (task.start()) {
            return new Started(null, true, false);
        }
        end.run();
        return Started.reply(BUSY);
    }

    /**
     * Items a class-filtered dump looks at per chunk before the chunk goes out (empty, if none was of the named
     * classes) and the task gives its thread back: a few milliseconds of index walk, so a dump of a class that
     * holds few of millions of items never scans them all in one step.
     */
    static final int FILTER_EXAMINED_PER_CHUNK = 10_000;

    /** Every slab class, as "all" and "hash" name them. */
    private static final long ALL_CLASSES = -1L;

    /**
     * The slab classes a crawler class argument names, one bit per class id: every class for "all" and
     * "hash"; null for an invalid argument.
     */
    private static Long classesNamed(String argument) {
        if (argument.equals("all") || argument.equals("hash")) {
            return ALL_CLASSES;
        }
        long named = 0;
        for (String id : argument.split(",")) {
            int cls;
            try {
                cls = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                return null;
            }
            if (cls < 0 || cls > MAX_CLASS_ID) {
                return null;
            }
            named |= 1L << cls;
        }
        return named;
    }
}
