package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import io.spoolkv.server.ConnectionRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.spool.SpoolTotals;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.MaxSampler;
import io.spoolkv.testsupport.TextClient;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Chaos soak: a few hundred connections at once against the real server over loopback, for a fixed time
 * ({@value #DEFAULT_SECONDS} s; {@code -Dsoak.seconds=N} for a longer run): well-behaved get/set clients, pipelined
 * floods of {@code get} of a 100 KiB value that never read, slow dump readers, {@code watch} watchers, dumps and
 * requests cut by a reset (SO_LINGER 0), {@code quit}s, and idle connections. Proves: output stays bounded while
 * clients misbehave (the server's pooled direct memory never grows more than {@link #DIRECT_BOUND} above the
 * start), the well-behaved clients see no error, and afterwards every spool is empty, direct memory and heap are
 * back near the start ({@link #DIRECT_RETURN}, {@link #HEAP_RETURN}), nothing leaked, and the server still answers.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=256MB", "spoolkv.spool.max-total-bytes=16MB"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ChaosSoakIT {

    static final int DEFAULT_SECONDS = 20;
    static final Duration DURATION = Duration.ofSeconds(Long.getLong("soak.seconds", DEFAULT_SECONDS));
    static final int MIB = 1024 * 1024;
    /**
     * How far the server's pooled direct memory may rise above its start during the soak: the spool cap (16 MiB),
     * each flood's output bound (about a megabyte and one read each), and the arenas' chunk granularity (4 MiB
     * chunks in several arenas) for everything else. The floods alone would need 400 MiB unbounded.
     */
    static final long DIRECT_BOUND = 64L * MIB;
    /** How near the start pooled direct memory must come back once every connection is gone (cached chunks). */
    static final long DIRECT_RETURN = 16L * MIB;
    /** How near the start the used heap must come back after a GC (the clients' own items, caches). */
    static final long HEAP_RETURN = 64L * MIB;

    static final int BIG_VALUE = 100 * 1024;
    /** Dumps are costly under the PARANOID leak detector (a stack trace per buffer write): keep them small. */
    static final int DUMP_KEYS = 5_000;
    static final int ORDINARY = 64;
    static final int FLOODS = 4;
    static final int FLOOD_GETS = 1_000;
    static final int SLOW_READERS = 16;
    static final int WATCHERS = 8;
    static final int DUMP_RESETS = 8;
    static final int QUITTERS = 8;
    static final int REQUEST_RESETS = 8;
    static final int IDLE = 128;

    @Autowired
    MemcachedServer server;
    @Autowired
    SpoolService spools;
    @Autowired
    ConnectionRegistry registry;
    @Autowired
    ItemStore store;

    /** Errors the well-behaved clients saw: must stay empty. */
    final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicLong ordinaryOps = new AtomicLong();
    final AtomicLong dumpsRead = new AtomicLong();
    final AtomicLong busy = new AtomicLong();
    final AtomicLong watchLines = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong quits = new AtomicLong();
    final List<TextClient> held = new CopyOnWriteArrayList<>();
    long deadline;

    @Test
    void hundredsOfConnectionsMisbehavingLeaveTheServerBoundedCleanAndServing() throws Exception {
        fill();
        // Warm up before the start figures, so the pool's first chunks (4 MiB per arena, never freed) count in
        // them: idle connections on every event loop, then a dump and a big get.
        for (int i = 0; i < IDLE; i++) {
            TextClient idle = client(0);
            held.add(idle);
            idle.send("version\r\n");
            expect(idle.line().startsWith("VERSION "), "idle: no VERSION");
        }
        try (TextClient warm = client(0)) {
            warm.send("lru_crawler metadump all\r\n");
            for (String line = warm.line(); line != null && !line.equals("END"); line = warm.line()) {
                expect(line.startsWith("key="), "warm-up dump line: " + line);
            }
            warm.send("get big\r\n");
            expectValue(warm, "big", new byte[BIG_VALUE]);
            check(warm.line(), "END", "warm-up get");
        }
        System.gc();
        long directAtStart = pooledDirect();
        long heapAtStart = usedHeap();
        deadline = System.nanoTime() + DURATION.toNanos();

        List<Thread> threads = new ArrayList<>();
        // Every 20 ms: reading the figure takes each arena's lock, and a flood's backlog lasts far longer.
        MaxSampler peakDirect = new MaxSampler(ChaosSoakIT::pooledDirect, Duration.ofMillis(20));
        try (peakDirect) {
            for (int i = 0; i < ORDINARY; i++) {
                int id = i;
                threads.add(start("ordinary-" + i, () -> ordinary(id)));
            }
            for (int i = 0; i < FLOODS; i++) {
                threads.add(start("flood-" + i, this::flood));
            }
            for (int i = 0; i < SLOW_READERS; i++) {
                threads.add(start("slow-reader-" + i, this::slowDumpReader));
            }
            for (int i = 0; i < WATCHERS; i++) {
                threads.add(start("watcher-" + i, this::watcher));
            }
            for (int i = 0; i < DUMP_RESETS; i++) {
                threads.add(start("dump-reset-" + i, this::dumpThenReset));
            }
            for (int i = 0; i < QUITTERS; i++) {
                int id = i;
                threads.add(start("quitter-" + i, () -> quitter(id)));
            }
            for (int i = 0; i < REQUEST_RESETS; i++) {
                threads.add(start("request-reset-" + i, this::requestThenReset));
            }
            for (Thread t : threads) {
                t.join(DURATION.toMillis() + 60_000);
                expect(!t.isAlive(), t.getName() + " did not stop within a minute of the deadline");
            }
        } finally {
            for (TextClient c : held) {
                reset(c);
            }
            for (Thread t : threads) {
                t.interrupt();
            }
        }

        // Everything the clients opened is gone: the server must let go of all of it.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < settle && (registry.currentConnections() > 0 || spools.totals().depthBytes() > 0)) {
            Thread.sleep(50);
        }
        registry.channels().forEach(ch -> System.out.printf("still open after the soak: %s active=%s autoRead=%s"
                + " writable=%s%n", ch, ch.isActive(), ch.config().isAutoRead(), ch.isWritable()));
        long directAtEnd;
        long heapAtEnd;
        long back = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            System.gc();
            Thread.sleep(200);
            directAtEnd = pooledDirect();
            heapAtEnd = usedHeap();
        } while (System.nanoTime() < back
                && (directAtEnd > directAtStart + DIRECT_RETURN || heapAtEnd > heapAtStart + HEAP_RETURN));
        SpoolTotals totals = spools.totals();
        System.out.printf("chaos soak %s: %d get/set ops, %d dumps read, %d BUSY, %d watch lines, %d resets, %d quits;"
                        + " pooled direct MiB start %.1f peak %.1f end %.1f; heap MiB start %.1f end %.1f%n",
                DURATION, ordinaryOps.get(), dumpsRead.get(), busy.get(), watchLines.get(), resets.get(), quits.get(),
                mib(directAtStart), mib(peakDirect.max()), mib(directAtEnd), mib(heapAtStart), mib(heapAtEnd));

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(unexpected).as("errors seen by well-behaved clients").isEmpty();
        soft.assertThat(peakDirect.max() - directAtStart)
                .as("rise of the server's pooled direct memory during the soak (bound %d MiB)", DIRECT_BOUND / MIB)
                .isLessThanOrEqualTo(DIRECT_BOUND);
        soft.assertThat(registry.currentConnections()).as("connections left open").isZero();
        soft.assertThat(totals.depthBytes()).as("spool depth, bytes").isZero();
        soft.assertThat(totals.depthFragments()).as("spool depth, fragments").isZero();
        soft.assertThat(directAtEnd - directAtStart).as("pooled direct memory above the start afterwards")
                .isLessThanOrEqualTo(DIRECT_RETURN);
        soft.assertThat(heapAtEnd - heapAtStart).as("used heap above the start afterwards")
                .isLessThanOrEqualTo(HEAP_RETURN);
        soft.assertThat(ordinaryOps.get()).as("get/set operations done").isPositive();
        soft.assertThat(dumpsRead.get()).as("dumps read to their end").isPositive();
        soft.assertThat(watchLines.get()).as("watch lines read").isPositive();
        soft.assertThat(quits.get()).as("quits answered in full").isPositive();
        soft.assertAll();

        // And it still serves.
        try (TextClient after = new TextClient(server.port())) {
            after.send("set after 0 0 2\r\nok\r\nget after\r\n");
            assertThat(after.line()).isEqualTo("STORED");
            assertThat(after.line()).isEqualTo("VALUE after 0 2");
            assertThat(after.line()).isEqualTo("ok");
            assertThat(after.line()).isEqualTo("END");
        }
    }

    // ---------------------------------------------------------------- roles

    /** Well-behaved: set then get its own keys, checking every reply; a multi-get of them now and then. */
    void ordinary(int id) {
        Random random = new Random(id);
        byte[][] last = new byte[20][];
        try (TextClient c = client(0)) {
            for (int n = 0; running(); n++) {
                int slot = random.nextInt(last.length);
                String key = "c" + id + ":" + slot;
                byte[] value = new byte[1 + random.nextInt(4096)];
                Arrays.fill(value, (byte) ('a' + random.nextInt(26)));
                c.send("set " + key + " 0 0 " + value.length + "\r\n" + ascii(value) + "\r\n");
                check(c.line(), "STORED", key);
                last[slot] = value;
                c.send("get " + key + "\r\n");
                expectValue(c, key, value);
                check(c.line(), "END", key);
                if (n % 20 == 19) {
                    StringBuilder multi = new StringBuilder("get");
                    for (int s = 0; s < last.length; s++) {
                        if (last[s] != null) {
                            multi.append(" c").append(id).append(':').append(s);
                        }
                    }
                    c.send(multi + "\r\n");
                    for (int s = 0; s < last.length; s++) {
                        if (last[s] != null) {
                            expectValue(c, "c" + id + ":" + s, last[s]);
                        }
                    }
                    check(c.line(), "END", "multi-get");
                }
                ordinaryOps.addAndGet(2);
                Thread.sleep(1);
            }
        } catch (Exception e) {
            unexpected.add("ordinary " + id + ": " + e);
        }
    }

    /** Pipelines gets of a 100 KiB value and never reads a byte; reset at the end. */
    void flood() {
        try {
            TextClient c = client(16 * 1024);
            held.add(c);
            c.send("get big\r\n".repeat(FLOOD_GETS));
            sleepUntilDeadline();
        } catch (IOException e) {
            unexpected.add("flood could not send: " + e);
        }
    }

    /** Reads whole dumps through a small receive buffer, pausing as it goes. */
    void slowDumpReader() {
        while (running()) {
            int lines = 0;
            try (TextClient c = client(16 * 1024)) {
                c.send("lru_crawler metadump all\r\n");
                for (String line = readOrDescribe(c, lines); ; line = readOrDescribe(c, lines)) {
                    if (line == null) {
                        unexpected.add("dump cut short after " + lines + " lines");
                        return;
                    }
                    if (line.equals("END")) {
                        break;
                    }
                    if (line.startsWith("BUSY")) {
                        busy.incrementAndGet();
                        break;
                    }
                    if (!line.startsWith("key=")) {
                        unexpected.add("dump line: " + line);
                        return;
                    }
                    if (++lines % 200 == 0) {
                        Thread.sleep(2);
                    }
                }
                dumpsRead.incrementAndGet();
            } catch (Exception e) {
                unexpected.add("slow dump reader, after " + lines + " lines: " + e);
                return;
            }
        }
    }

    /** The next line; on a read timeout, fails with what the server's spool for this connection looks like. */
    String readOrDescribe(TextClient c, int lines) throws IOException {
        try {
            return c.line();
        } catch (java.net.SocketTimeoutException e) {
            int port = c.socket().getLocalPort();
            String server = spools.spools().stream()
                    .filter(sp -> sp.channel().remoteAddress() instanceof java.net.InetSocketAddress a
                            && a.getPort() == port)
                    .map(sp -> "depth " + sp.depthBytes() + " B in " + sp.depthFragments() + " fragments, producer "
                            + (sp.producerPaused() ? "paused" : "not paused") + ", channel "
                            + (sp.channel().isWritable() ? "writable" : "unwritable") + ", " + sp.bytesSent()
                            + " B sent; all spools " + spools.totals())
                    .findFirst().orElse("no spool on the server");
            throw new IOException("no dump output for 20 s (" + server + ")", e);
        }
    }

    /** Watches fetches and mutations, reading slowly; every line is a watch line. */
    void watcher() {
        try (TextClient c = client(16 * 1024)) {
            c.send("watch fetchers mutations\r\n");
            check(c.line(), "OK", "watch");
            // The get/set clients keep lines coming until the deadline; after it, silence is expected.
            c.socket().setSoTimeout(5_000);
            while (running()) {
                String line;
                try {
                    line = c.line();
                } catch (java.net.SocketTimeoutException silent) {
                    if (running()) {
                        unexpected.add("watcher heard nothing for 5 s during the soak");
                    }
                    return;
                }
                if (line == null || !(line.startsWith("ts=") || line.startsWith("skipped="))) {
                    unexpected.add("watch line: " + line);
                    return;
                }
                if (watchLines.incrementAndGet() % 100 == 0) {
                    Thread.sleep(1);
                }
            }
        } catch (Exception e) {
            unexpected.add("watcher: " + e);
        }
    }

    /**
     * Starts a dump, reads a little of it (so it has started: it does not just queue dumps), and resets the
     * connection.
     */
    void dumpThenReset() {
        Random random = new Random();
        while (running()) {
            try {
                TextClient c = client(16 * 1024);
                c.send("lru_crawler metadump all\r\n");
                for (int i = 1 + random.nextInt(64); i > 0; i--) {
                    String line = c.line();
                    if (line == null || !line.startsWith("key=")) {
                        break; // END of a small dump, or BUSY
                    }
                }
                reset(c);
                Thread.sleep(50);
            } catch (Exception ignored) {
                // abusive role: a refused or reset connection is its own doing
            }
        }
    }

    /** Sends half a request, or a request for big values without reading, and resets the connection. */
    void requestThenReset() {
        Random random = new Random();
        while (running()) {
            try {
                TextClient c = client(0);
                c.send(random.nextBoolean() ? "set r 0 0 1000\r\n" + "x".repeat(random.nextInt(1000)) // mid-request
                        : "get big\r\n"); // mid-reply
                reset(c);
                Thread.sleep(50);
            } catch (Exception ignored) {
                // abusive role
            }
        }
    }

    /** Pipelines a set, a get and quit: every answer arrives, then the close. */
    void quitter(int id) {
        String key = "q" + id;
        while (running()) {
            try (TextClient c = client(0)) {
                c.send("set " + key + " 0 0 5\r\nhello\r\nget " + key + "\r\nquit\r\n");
                check(c.line(), "STORED", key);
                check(c.line(), "VALUE " + key + " 0 5", key);
                check(c.line(), "hello", key);
                check(c.line(), "END", key);
                expect(c.closedByServer(), "quit did not close the connection");
                quits.incrementAndGet();
                Thread.sleep(5);
            } catch (Exception e) {
                unexpected.add("quitter " + id + ": " + e);
                return;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    void fill() {
        store.store(StoreRequest.of(StoreMode.SET, Key.of("big"), new byte[BIG_VALUE], 0, 0));
        byte[] small = new byte[32];
        for (int i = 0; i < DUMP_KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(String.format("dump:%06d", i)), small, 0, 0));
        }
    }

    TextClient client(int receiveBuffer) throws IOException {
        TextClient c = new TextClient(server.port(), receiveBuffer);
        c.socket().setSoTimeout(20_000);
        return c;
    }

    void reset(TextClient c) {
        try {
            c.socket().setSoLinger(true, 0); // close sends RST
            c.close();
            resets.incrementAndGet();
        } catch (IOException ignored) {
            // already gone
        }
    }

    boolean running() {
        return System.nanoTime() < deadline && !Thread.currentThread().isInterrupted();
    }

    void sleepUntilDeadline() {
        while (running()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void expectValue(TextClient c, String key, byte[] value) throws IOException {
        check(c.line(), "VALUE " + key + " 0 " + value.length, key);
        InputStream in = c.input();
        byte[] got = in.readNBytes(value.length + 2);
        expect(Arrays.equals(Arrays.copyOf(got, value.length), value) && got[value.length] == '\r'
                && got[value.length + 1] == '\n', "value of " + key + " differs");
    }

    void check(String line, String expected, String what) {
        if (!expected.equals(line)) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + line);
        }
    }

    void expect(boolean condition, String why) {
        if (!condition) {
            unexpected.add(why);
        }
    }

    static Thread start(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static long pooledDirect() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static double mib(long bytes) {
        return bytes / (double) MIB;
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
