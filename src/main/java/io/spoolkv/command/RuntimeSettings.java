package io.spoolkv.command;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.CrawlResult;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * The settings clients change at run time and {@code stats settings} reports: verbosity, slabs
 * automove, and the lru_crawler's state, tuning and counters. A disabled crawler refuses crawls and dumps, as
 * memcached's does; sleep and tocrawl are kept so that tools see what they set (a pass does not pace itself).
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
    private final LongAdder crawlerReclaimed = new LongAdder();
    private final LongAdder crawlerItemsChecked = new LongAdder();

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

    /**
     * A crawl starts unless a crawl or dump is running (memcached has one crawler: it answers BUSY); then
     * {@link #crawlFinished()} follows.
     *
     * @return false when the crawler is busy, and nothing was counted
     */
    public boolean tryCrawlStarted() {
        for (;;) {
            int running = crawlersRunning.get();
            if (running > 0) {
                return false;
            }
            if (crawlersRunning.compareAndSet(running, running + 1)) {
                crawlerStarts.increment();
                return true;
            }
        }
    }

    public void crawlFinished() {
        crawlersRunning.decrementAndGet();
    }

    /** A crawl's pass is done: what it checked and reclaimed. */
    public void crawled(CrawlResult pass) {
        crawlerItemsChecked.add(pass.checked());
        crawlerReclaimed.add(pass.reclaimed());
    }

    /** memcached's crawler_reclaimed: expired and flushed items the crawler removed. */
    public long crawlerReclaimed() {
        return crawlerReclaimed.sum();
    }

    /** memcached's crawler_items_checked. */
    public long crawlerItemsChecked() {
        return crawlerItemsChecked.sum();
    }

    public long crawlerStarts() {
        return crawlerStarts.sum();
    }

    public boolean crawlerRunning() {
        return crawlersRunning.get() > 0;
    }
}
