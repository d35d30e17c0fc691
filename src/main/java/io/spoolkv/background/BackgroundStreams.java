package io.spoolkv.background;

import io.netty.channel.ChannelHandlerContext;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.protocol.text.StreamCommands;
import io.spoolkv.protocol.text.TextRequest;
import io.spoolkv.protocol.text.TextResponse;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.ItemStore;
import io.spoolkv.watch.WatchHub;
import io.spoolkv.watch.WatchStream;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Starts the text protocol's streaming commands: {@code lru_crawler metadump|mgdump} run as
 * {@link KeyDumpTask}s on the background executor; {@code watch} registers the connection with
 * the {@link WatchHub}. Both send everything through the connection's spool, never the socket.
 */
@Component
public class BackgroundStreams implements StreamCommands {

    private static final TextResponse BUSY = TextResponse.Line.of("BUSY currently processing crawler request");
    private static final TextResponse BAD_CLASS = TextResponse.Line.of("BADCLASS invalid class id");
    /** memcached numbers slab classes below this; any other id is a bad class. */
    private static final int MAX_CLASS_ID = 63;

    private final ItemStore store;
    private final SpoolService spools;
    private final BackgroundExecutor executor;
    private final WatchHub watchHub;
    private final int chunkBytes;

    public BackgroundStreams(ItemStore store, SpoolService spools, BackgroundExecutor executor, WatchHub watchHub,
                             BackgroundProperties properties) {
        this.store = store;
        this.spools = spools;
        this.executor = executor;
        this.watchHub = watchHub;
        this.chunkBytes = (int) properties.chunkBytes().toBytes();
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
        return switch (crawler.subcommand()) {
            case "metadump" -> dump(spool, crawler, KeyDumpFormat.METADUMP, onFinished);
            case "mgdump" -> dump(spool, crawler, KeyDumpFormat.MGDUMP, onFinished);
            // There is no crawler to tune: expired items are reclaimed by the store itself.
            case "crawl", "enable", "disable", "sleep", "tocrawl" -> Started.reply(TextResponse.Line.OK);
            default -> Started.reply(TextResponse.Line.ERROR);
        };
    }

    private Started dump(ConnectionSpool spool, TextRequest.LruCrawler crawler, KeyDumpFormat format,
                         Runnable onFinished) {
        if (crawler.argument() == null) {
            return Started.reply(TextResponse.Line.ERROR);
        }
        Boolean includesItems = classesInclude(crawler.argument());
        if (includesItems == null) {
            return Started.reply(BAD_CLASS);
        }
        if (!includesItems) {
            // Valid classes that hold nothing here: an empty dump.
            return Started.reply(format == KeyDumpFormat.METADUMP ? TextResponse.Line.END : TextResponse.Line.of("EN"));
        }
        String command = "lru_crawler " + crawler.subcommand();
        KeyDumpTask task = new KeyDumpTask(spool, executor, chunkBytes, command, onFinished,
                store.itemsFrom(null), format);
        return task.start() ? new Started(null, true, false) : Started.reply(BUSY);
    }

    /**
     * Whether a crawler class argument covers the items: "all" and "hash" do, as does a list of
     * class ids that names the one class spoolkv reports; null for an invalid argument.
     */
    private static Boolean classesInclude(String argument) {
        if (argument.equals("all") || argument.equals("hash")) {
            return true;
        }
        boolean includes = false;
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
            includes |= cls == io.spoolkv.command.StatsReporter.SLAB_CLASS;
        }
        return includes;
    }
}
