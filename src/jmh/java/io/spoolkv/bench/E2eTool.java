package io.spoolkv.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end clients of src/bench/run.sh, identical for spoolkv and memcached. Each prints one line of
 * {@code key=value} pairs.
 *
 * <ul>
 *   <li>{@code load HOST PORT COUNT VALUE_BYTES}: pipelines {@code set key:NNNNNNNN 0 0 V noreply} for COUNT
 *       keys over one socket, then waits for {@code version}'s answer (so everything was applied).</li>
 *   <li>{@code dump HOST PORT}: {@code lru_crawler metadump all}, reads to {@code END} as fast as it can and
 *       counts the {@code key=} lines; prints keys, seconds, keys/s (retries while memcached's crawler is
 *       busy).</li>
 *   <li>{@code dumps ROUNDS NAME=HOST:PORT...}: ROUNDS rounds of one dump per server, interleaved, from one
 *       (warmed-up) JVM; one line per dump, prefixed with the name and the round.</li>
 *   <li>{@code slow HOST PORT PROM_URL PAUSE_MS}: starts a dump, reads 64 KiB, stops reading for PAUSE_MS while
 *       sampling the server's spool depth and JVM direct memory every 50 ms, then reads the rest; prints the
 *       peaks.</li>
 *   <li>{@code watch HOST PORT MILLIS}: {@code watch fetchers mutations}, reads (and counts) the log lines for
 *       MILLIS, then closes: the steady spooled load of the flush-latency measurement.</li>
 *   <li>{@code getset ...}: see {@link GetSetLoad}.</li>
 *   <li>{@code hist PROM_URL}: prints the flush-latency histogram buckets (cumulative counts) for the script to
 *       difference.</li>
 * </ul>
 */
public final class E2eTool {

    private E2eTool() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "load" -> load(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "dump" -> dump(args[1], Integer.parseInt(args[2]));
            case "dumps" -> dumps(Integer.parseInt(args[1]), java.util.Arrays.copyOfRange(args, 2, args.length));
            case "slow" -> slow(args[1], Integer.parseInt(args[2]), args[3], Long.parseLong(args[4]));
            case "hist" -> hist(args[1]);
            case "getset" -> GetSetLoad.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "watch" -> watch(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static SocketChannel connect(String host, int port) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
        return ch;
    }

    private static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ---- load ---------------------------------------------------------------------------------------------

    static void load(String host, int port, int count, int valueBytes) throws Exception {
        long start = System.nanoTime();
        try (SocketChannel ch = connect(host, port)) {
            byte[] value = new byte[valueBytes];
            for (int i = 0; i < valueBytes; i++) {
                value[i] = (byte) ('a' + i % 26);
            }
            // Drain anything the server says (errors) so it never blocks on us.
            StringBuilder errors = new StringBuilder();
            Thread drain = new Thread(() -> {
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                try {
                    while (true) {
                        int n = ch.read(in);
                        if (n < 0) {
                            return;
                        }
                        String s = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                        in.clear();
                        synchronized (errors) {
                            errors.append(s);
                            if (errors.indexOf("VERSION") >= 0) {
                                errors.notifyAll();
                                return;
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // closed
                }
            });
            drain.setDaemon(true);
            drain.start();
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < count; i++) {
                if (out.remaining() < 512) {
                    out.flip();
                    writeAll(ch, out);
                    out.clear();
                }
                out.put(String.format(Locale.ROOT, "set key:%08d 0 0 %d noreply\r\n", i, valueBytes)
                        .getBytes(StandardCharsets.US_ASCII));
                out.put(value).put((byte) '\r').put((byte) '\n');
            }
            out.put("version\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flip();
            writeAll(ch, out);
            drain.join(120_000);
            String said;
            synchronized (errors) {
                said = errors.toString();
            }
            String extra = said.replaceAll("VERSION[^\r\n]*\r\n", "").trim();
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "loaded=%d seconds=%.2f errors=%s%n", count, secs,
                    extra.isEmpty() ? "none" : extra.lines().findFirst().orElse("?"));
        }
    }

    // ---- dump ---------------------------------------------------------------------------------------------

    static void dumps(int rounds, String[] servers) throws Exception {
        // One untimed warm-up dump per server (JIT of this client), then the interleaved rounds.
        for (int r = 0; r <= rounds; r++) {
            for (String server : servers) {
                String name = server.substring(0, server.indexOf('='));
                String address = server.substring(server.indexOf('=') + 1);
                String host = address.substring(0, address.lastIndexOf(':'));
                int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
                if (r > 0) {
                    System.out.print(name + " " + r + " ");
                }
                java.io.PrintStream out = System.out;
                if (r == 0) {
                    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                }
                try {
                    dump(host, port);
                } finally {
                    System.setOut(out);
                }
            }
        }
    }

    static void dump(String host, int port) throws Exception {
        try (SocketChannel ch = connect(host, port)) {
            for (int attempt = 0; attempt < 200; attempt++) {
                long start = System.nanoTime();
                writeAll(ch, ByteBuffer.wrap("lru_crawler metadump all\r\n".getBytes(StandardCharsets.US_ASCII)));
                DumpResult r = readDump(ch, Long.MAX_VALUE, null);
                double secs = (System.nanoTime() - start) / 1e9;
                if (r.busy) {
                    Thread.sleep(50);
                    continue;
                }
                System.out.printf(Locale.ROOT, "keys=%d bytes=%d seconds=%.3f keys_per_s=%.0f%n",
                        r.keys, r.bytes, secs, r.keys / secs);
                return;
            }
            throw new IllegalStateException("crawler stayed busy");
        }
    }

    record DumpResult(long keys, long bytes, boolean busy) {
    }

    /**
     * Reads a dump to its END line, counting lines that start with {@code key=}. Reads at most {@code limit}
     * bytes (then returns, for the slow client), calling {@code onRead} after each read.
     */
    static DumpResult readDump(SocketChannel ch, long limit, Runnable onRead) throws IOException {
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
        long keys = 0;
        long bytes = 0;
        // the last 5 bytes seen, to find "END\r\n" across reads; and whether we are at a line start
        int tail = 0; // rolling bytes
        boolean lineStart = true;
        boolean first = true;
        while (bytes < limit) {
            in.clear();
            if (limit - bytes < in.capacity()) {
                in.limit((int) (limit - bytes));
            }
            int n = ch.read(in);
            if (n < 0) {
                throw new IOException("closed after " + bytes + " bytes");
            }
            bytes += n;
            in.flip();
            if (first && n >= 4) {
                byte b0 = in.get(0);
                if (b0 == 'B' || (b0 == 'E' && in.get(1) == 'R')) { // BUSY ... / ERROR ...
                    // consume the rest of the line
                    while (in.get(in.limit() - 1) != '\n') {
                        in.clear();
                        ch.read(in);
                        in.flip();
                    }
                    return new DumpResult(0, bytes, true);
                }
            }
            first = false;
            int lim = in.limit();
            for (int i = 0; i < lim; i++) {
                byte b = in.get(i);
                if (lineStart && b == 'k') {
                    keys++;
                }
                lineStart = b == '\n';
                tail = (tail << 8) | (b & 0xff);
            }
            // "END\r\n": last 4 bytes "ND\r\n" and the one before 'E' -- check the last 4 + the line start
            if (lineStart && (tail == 0x4e440d0a) && endsWithEnd(in)) {
                return new DumpResult(keys, bytes, false);
            }
            if (onRead != null) {
                onRead.run();
            }
        }
        return new DumpResult(keys, bytes, false);
    }

    private static boolean endsWithEnd(ByteBuffer in) {
        int l = in.limit();
        // END\r\n at the very end, preceded by a line start (or the start of the response)
        if (l >= 5) {
            return in.get(l - 5) == 'E' && (l == 5 || in.get(l - 6) == '\n');
        }
        return true; // split across reads: good enough (key lines never end in "ND")
    }

    // ---- slow client --------------------------------------------------------------------------------------

    static void slow(String host, int port, String promUrl, long pauseMillis) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        double[] peaks = new double[2];
        double directBefore = directBytes(scrape(http, promUrl));
        try (SocketChannel ch = connect(host, port)) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            writeAll(ch, ByteBuffer.wrap("lru_crawler metadump all\r\n".getBytes(StandardCharsets.US_ASCII)));
            DumpResult head = readDump(ch, 64 * 1024, null);
            long deadline = System.nanoTime() + pauseMillis * 1_000_000;
            int samples = 0;
            boolean paused = false;
            while (System.nanoTime() < deadline) {
                Map<String, Double> m = scrape(http, promUrl);
                peaks[0] = Math.max(peaks[0], m.getOrDefault("spoolkv_spool_depth_bytes", 0.0));
                peaks[1] = Math.max(peaks[1], directBytes(m));
                paused |= m.getOrDefault("spoolkv_spool_would_block_total", 0.0) > 0;
                samples++;
                Thread.sleep(50);
            }
            Map<String, Double> m = scrape(http, promUrl);
            DumpResult rest = readDump(ch, Long.MAX_VALUE, null);
            System.out.printf(Locale.ROOT,
                    "samples=%d peak_depth_bytes=%.0f peak_direct_bytes=%.0f direct_before_bytes=%.0f "
                            + "would_block_total=%.0f resumes_total=%.0f keys=%d%n",
                    samples, peaks[0], peaks[1], directBefore,
                    m.getOrDefault("spoolkv_spool_would_block_total", 0.0),
                    m.getOrDefault("spoolkv_spool_resumes_total", 0.0), head.keys + rest.keys);
        }
    }

    private static double directBytes(Map<String, Double> m) {
        return m.getOrDefault("jvm_buffer_memory_used_bytes{id=\"direct\"}", 0.0);
    }

    static Map<String, Double> scrape(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException ignored) {
                // skip
            }
        }
        return out;
    }

    // ---- watcher ------------------------------------------------------------------------------------------

    static void watch(String host, int port, long millis) throws Exception {
        try (SocketChannel ch = connect(host, port)) {
            writeAll(ch, ByteBuffer.wrap("watch fetchers mutations\r\n".getBytes(StandardCharsets.US_ASCII)));
            ch.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
            long lines = 0;
            long bytes = 0;
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < deadline) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    Thread.sleep(1);
                    continue;
                }
                bytes += n;
                for (int i = 0; i < n; i++) {
                    if (in.get(i) == '\n') {
                        lines++;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "watch_lines=%d watch_bytes=%d%n", lines, bytes);
        }
    }

    // ---- histogram ----------------------------------------------------------------------------------------

    static void hist(String url) throws Exception {
        Map<String, Double> m = scrape(HttpClient.newHttpClient(), url);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Double> e : m.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("spoolkv_spool_flush_latency_seconds_bucket")
                    || k.startsWith("spoolkv_spool_fragments_offered_total")
                    || k.startsWith("spoolkv_spool_drain_passes_total")) {
                lines.add(k + " " + e.getValue());
            }
        }
        lines.forEach(System.out::println);
    }
}
