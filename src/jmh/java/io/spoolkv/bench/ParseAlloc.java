package io.spoolkv.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.protocol.text.TextRequestDecoder;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Heap bytes allocated per decoded text request by {@link TextRequestDecoder}: the figure the per-request path's
 * allocation is judged by (issue 10), measured on this thread with the JVM's allocation counter. Lines are GetSetLoad's
 * (64-byte keys): {@code get KEY} and {@code set KEY 0 0 1024} with its data block. The EmbeddedChannel's own cost
 * is in both figures; run it against two builds' classes to compare them.
 *
 * <p>{@code java -cp CLASSES:NETTY io.spoolkv.bench.ParseAlloc [REQUESTS]} prints {@code get_bytes_per_request=...
 * set_bytes_per_request=...}.
 */
final class ParseAlloc {

    private static final int BATCH = 1000;

    private ParseAlloc() {
    }

    public static void main(String[] args) {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        byte[] value = new byte[1024];
        java.util.Arrays.fill(value, (byte) 'v');
        byte[] get = batch(i -> "get " + key(i) + "\r\n", null);
        byte[] set = batch(i -> "set " + key(i) + " 0 0 1024\r\n", value);
        measure(get, requests); // warm up both shapes before measuring either
        measure(set, requests / 4);
        double getBytes = measure(get, requests);
        double setBytes = measure(set, requests / 4);
        System.out.printf(Locale.ROOT, "get_bytes_per_request=%.1f set_bytes_per_request=%.1f%n", getBytes, setBytes);
    }

    private static String key(int i) {
        return new String(GetSetLoad.key(i), StandardCharsets.US_ASCII);
    }

    private static byte[] batch(java.util.function.IntFunction<String> line, byte[] value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < BATCH; i++) {
            out.writeBytes(line.apply(i).getBytes(StandardCharsets.US_ASCII));
            if (value != null) {
                out.writeBytes(value);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        return out.toByteArray();
    }

    /** Decodes {@code requests} requests, BATCH per write; returns heap bytes allocated per request. */
    private static double measure(byte[] batch, int requests) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EmbeddedChannel channel = new EmbeddedChannel(new TextRequestDecoder(1024 * 1024, 65536));
        ByteBuf wire = Unpooled.directBuffer(batch.length);
        long before = threads.getCurrentThreadAllocatedBytes();
        int decoded = 0;
        while (decoded < requests) {
            wire.clear().writeBytes(batch);
            channel.writeInbound(wire.retain());
            for (Object request = channel.readInbound(); request != null; request = channel.readInbound()) {
                decoded++;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        wire.release();
        channel.finishAndReleaseAll();
        return (double) allocated / decoded;
    }
}
