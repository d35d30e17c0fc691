package io.spoolkv.command;

import io.spoolkv.config.StoreProperties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * The settings clients change at run time and {@code stats settings} reports: verbosity, slabs
 * automove, and the lru_crawler's state and tuning. spoolkv's store reclaims expired items itself, so the crawler
 * settings change no behaviour beyond what memcached's replies and stats show (a disabled crawler
 * refuses crawls and dumps, as memcached's does); they are kept so that tools see what they set.
 */
@Component
public class RuntimeSettings {

    /** memcached's default lru_crawler_sleep, in microseconds between items. */
    public static final int DEFAULT_CRAWLER_SLEEP = 100;
    public static final int MAX_CRAWLER_SLEEP = 1_000_000;

    private volatile int verbosity;
    private volatile int slabAutomove;
    private volatile boolean crawlerEnabled;
    private volatile int crawlerSleep = DEFAULT_CRAWLER_SLEEP;
    private volatile long crawlerToCrawl;
    private final LongAdder crawlerStarts = new LongAdder();
    private final AtomicInteger crawlersRunning = new AtomicInteger();

    public RuntimeSettings(StoreProperties store) {
        this.crawlerEnabled = store.lruCrawler();
    }

    public int verbosity() {
        return verbosity;
    }

    public void verbosity(int level) {
        this.verbosity = level;
    }

    /** slabs automove's level, reported in stats settings; there are no slab pages to move. */
    public int slabAutomove() {
        return slabAutomove;
    }

    public void slabAutomove(int level) {
        this.slabAutomove = level;
    }

    public boolean crawlerEnabled() {
        return crawlerEnabled;
    }

    /** memcached: enabling a running crawler fails; false then. */
    public synchronized boolean enableCrawler() {
        if (crawlerEnabled) {
            return false;
        }
        crawlerEnabled = true;
        return true;
    }

    public void disableCrawler() {
        crawlerEnabled = false;
    }

    public int crawlerSleep() {
        return crawlerSleep;
    }

    public void crawlerSleep(int micros) {
        this.crawlerSleep = micros;
    }

    public long crawlerToCrawl() {
        return crawlerToCrawl;
    }

    public void crawlerToCrawl(long items) {
        this.crawlerToCrawl = items;
    }

    /** A crawl or dump started; {@link #crawlFinished()} follows. */
    public void crawlStarted() {
        crawlerStarts.increment();
        crawlersRunning.incrementAndGet();
    }

    public void crawlFinished() {
        crawlersRunning.decrementAndGet();
    }

    public long crawlerStarts() {
        return crawlerStarts.sum();
    }

    public boolean crawlerRunning() {
        return crawlersRunning.get() > 0;
    }
}
