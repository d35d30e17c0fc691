package io.spoolkv.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A memcaslap-shaped get/set load for servers that refuse memcaslap's keys (memcaslap puts 0x10 bytes in every
 * key; memcached takes them, spoolkv answers CLIENT_ERROR as the protocol's key rules say). Text protocol, one
 * request in flight per connection (as memcaslap's concurrency), 90% get / 10% set of 100-byte values over a
 * preloaded key space of printable 64-byte keys, NIO selector threads.
 *
 * <p>{@code getset HOST PORT CONNECTIONS THREADS SECONDS KEYS [OPS_PER_S] [nopreload|preloadonly] [value=BYTES]}:
 * preloads KEYS keys, runs for SECONDS, prints {@code ops=... ops_per_s=... errors=... misses=... p50_us=...
 * p99_us=... p999_us=...}. With OPS_PER_S (0: as fast as it can) the load is paced to that rate; {@code nopreload}
 * skips the preload, {@code preloadonly} only preloads (and prints {@code loaded=... seconds=...}); {@code value=}
 * sets the value size (100 bytes by default). Latency is each request's, from its write to its reply's last byte.
 */
final class GetSetLoad {

    private static final int DEFAULT_VALUE = 100;
    /** Latencies up to 60 s at 3 significant digits. */
    private static final long MAX_LATENCY_NS = 60_000_000_000L;

    private GetSetLoad() {
    }

    static byte[] key(int i) {
        // 64 printable bytes, like memcaslap's 64-byte keys
        String k = String.format(Locale.ROOT, "bench:%010d:", i);
        StringBuilder b = new StringBuilder(k);
        while (b.length() < 64) {
            b.append((char) ('a' + (i + b.length()) % 26));
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        int keys = Integer.parseInt(args[5]);
        double rate = 0;
        int valueSize = DEFAULT_VALUE;
        boolean preload = true;
        boolean preloadOnly = false;
        for (int i = 6; i < args.length; i++) {
            switch (args[i]) {
                case "nopreload" -> preload = false;
                case "preloadonly" -> preloadOnly = true;
                default -> {
                    if (args[i].startsWith("value=")) {
                        valueSize = Integer.parseInt(args[i].substring("value=".length()));
                    } else {
                        rate = Double.parseDouble(args[i]);
                    }
                }
            }
        }

        byte[][] keyBytes = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            keyBytes[i] = key(i);
        }
        byte[] value = new byte[valueSize];
        java.util.Arrays.fill(value, (byte) 'v');
        if (preload || preloadOnly) {
            long t0 = System.nanoTime();
            preload(host, port, keyBytes, value);
            if (preloadOnly) {
                System.out.printf(Locale.ROOT, "loaded=%d seconds=%.2f%n", keys, (System.nanoTime() - t0) / 1e9);
                return;
            }
        }

        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong misses = new AtomicLong();
        Histogram[] latencies = new Histogram[threads];
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int conns = connections / threads + (t < connections % threads ? 1 : 0);
            double threadRate = rate / threads;
            long seed = 42 + t;
            Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
            latencies[t] = latency;
            workers[t] = new Thread(() -> {
                try {
                    run(host, port, conns, keyBytes, value, end, threadRate, seed, ops, errors, misses, latency);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "getset-" + t);
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Histogram all = new Histogram(MAX_LATENCY_NS, 3);
        for (Histogram h : latencies) {
            all.add(h);
        }
        System.out.printf(Locale.ROOT,
                "ops=%d seconds=%.2f ops_per_s=%.0f errors=%d misses=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f%n",
                ops.get(), secs, ops.get() / secs, errors.get(), misses.get(),
                all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                all.getValueAtPercentile(99.9) / 1e3);
    }

    private static void preload(String host, int port, byte[][] keys, byte[] value) throws IOException {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port))) {
            ByteBuffer out = ByteBuffer.allocate(1 << 20);
            for (byte[] k : keys) {
                if (out.remaining() < 512 + value.length) {
                    out.flip();
                    while (out.hasRemaining()) {
                        ch.write(out);
                    }
                    out.clear();
                }
                out.put("set ".getBytes(StandardCharsets.US_ASCII)).put(k)
                        .put((" 0 0 " + value.length + " noreply\r\n").getBytes(StandardCharsets.US_ASCII)).put(value)
                        .put((byte) '\r').put((byte) '\n');
            }
            out.put("version\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(4096);
            StringBuilder said = new StringBuilder();
            while (said.indexOf("VERSION") < 0) {
                in.clear();
                if (ch.read(in) < 0) {
                    throw new IOException("closed during preload: " + said);
                }
                said.append(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
            }
        }
    }

    /** One connection: one request in flight; knows the end of its response by its last line. */
    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer out;
        final ByteBuffer in;
        boolean get;
        long sentAt;

        Conn(SocketChannel ch, int valueSize) {
            this.ch = ch;
            this.out = ByteBuffer.allocate(512 + valueSize);
            this.in = ByteBuffer.allocate(8192 + valueSize);
        }
    }

    private static void run(String host, int port, int conns, byte[][] keys, byte[] value, long end, double rate,
                            long seed, AtomicLong ops, AtomicLong errors, AtomicLong misses, Histogram latency)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] get = "get ".getBytes(StandardCharsets.US_ASCII);
        byte[] set = "set ".getBytes(StandardCharsets.US_ASCII);
        byte[] setTail = (" 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long start = System.nanoTime();
        long done = 0;
        try (Selector selector = Selector.open()) {
            Conn[] all = new Conn[conns];
            for (int i = 0; i < conns; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
                all[i] = new Conn(ch, value.length);
                ch.register(selector, SelectionKey.OP_READ, all[i]);
            }
            for (Conn c : all) {
                send(c, random, keys, value, get, set, setTail);
            }
            while (System.nanoTime() < end) {
                if (selector.select(100) == 0) {
                    continue;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Conn c = (Conn) key.attachment();
                    int n = c.ch.read(c.in);
                    if (n < 0) {
                        throw new IOException("server closed a connection");
                    }
                    if (!complete(c)) {
                        continue;
                    }
                    latency.recordValue(Math.min(System.nanoTime() - c.sentAt, MAX_LATENCY_NS));
                    boolean plainError = c.in.get(0) == 'E' && c.in.get(1) == 'R'; // ERROR, not END
                    if (c.get && c.in.get(0) == 'E' && !plainError) { // END alone: the key was not found
                        misses.incrementAndGet();
                    }
                    if (plainError || c.in.get(0) == 'C' || c.in.get(0) == 'S' && c.in.get(1) == 'E') { // *ERROR
                        errors.incrementAndGet();
                    }
                    c.in.clear();
                    done++;
                    ops.incrementAndGet();
                    if (rate > 0) {
                        long due = start + (long) (done / rate * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                    }
                    send(c, random, keys, value, get, set, setTail);
                }
                selector.selectedKeys().clear();
            }
            for (Conn c : all) {
                c.ch.close();
            }
        }
    }

    private static boolean complete(Conn c) {
        int p = c.in.position();
        if (p < 2 || c.in.get(p - 2) != '\r' || c.in.get(p - 1) != '\n') {
            return false;
        }
        if (!c.get) {
            return true; // STORED / an error: one line
        }
        // get: "END\r\n" alone (miss) or VALUE ... data END
        return p >= 5 && c.in.get(p - 5) == 'E' && c.in.get(p - 4) == 'N' && c.in.get(p - 3) == 'D'
                || c.in.get(0) != 'V';
    }

    private static void send(Conn c, SplittableRandom random, byte[][] keys, byte[] value, byte[] get, byte[] set,
                             byte[] setTail) throws IOException {
        byte[] key = keys[random.nextInt(keys.length)];
        c.out.clear();
        c.get = random.nextInt(10) != 0;
        if (c.get) {
            c.out.put(get).put(key).put((byte) '\r').put((byte) '\n');
        } else {
            c.out.put(set).put(key).put(setTail).put(value).put((byte) '\r').put((byte) '\n');
        }
        c.out.flip();
        c.sentAt = System.nanoTime();
        while (c.out.hasRemaining()) {
            c.ch.write(c.out);
        }
    }
}
