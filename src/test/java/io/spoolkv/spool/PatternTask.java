package io.spoolkv.spool;

import io.netty.buffer.ByteBuf;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.background.StreamingTask;
import java.io.IOException;
import java.io.InputStream;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A streaming task that sends {@code total} bytes of a known pattern (or never ends, for total &lt; 0) and
 * records what the tests need: chunks filled, buffers allocated, fills after the connection closed, and
 * whether the end callback ran on the event loop.
 */
class PatternTask extends StreamingTask {

    final long total;
    final Queue<ByteBuf> allocated = new ConcurrentLinkedQueue<>();
    final AtomicInteger fills = new AtomicInteger();
    final AtomicInteger fillsAfterClose = new AtomicInteger();
    final AtomicBoolean channelClosed = new AtomicBoolean();
    final CountDownLatch closed = new CountDownLatch(1);
    final CountDownLatch done;
    private long produced;

    PatternTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, long total, CountDownLatch done) {
        super(spool, executor, chunkBytes, "pattern", done::countDown);
        this.total = total;
        this.done = done;
        spool.channel().closeFuture().addListener(f -> channelClosed.set(true));
    }

    static byte patternAt(long i) {
        return (byte) (i % 251);
    }

    @Override
    protected boolean fill(ByteBuf chunk) {
        allocated.add(chunk);
        fills.incrementAndGet();
        if (channelClosed.get()) {
            fillsAfterClose.incrementAndGet();
        }
        int n = total < 0 ? chunkBytes() : (int) Math.min(chunkBytes(), total - produced);
        for (int i = 0; i < n; i++) {
            chunk.writeByte(patternAt(produced++));
        }
        return total < 0 || produced < total;
    }

    @Override
    protected void onClosed() {
        closed.countDown();
    }

    /** Reads {@code total} bytes and checks each against the pattern. */
    static void readAndVerify(InputStream in, long total) throws IOException {
        readAndVerify(in, 0, total);
    }

    /** Reads the pattern's bytes from {@code from} (inclusive) to {@code total} (exclusive) and checks each. */
    static void readAndVerify(InputStream in, long from, long total) throws IOException {
        byte[] buf = new byte[8192];
        long seen = from;
        while (seen < total) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, total - seen));
            if (n < 0) {
                throw new IOException("EOF after " + seen + " of " + total + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != patternAt(seen + i)) {
                    throw new IOException("wrong byte at " + (seen + i));
                }
            }
            seen += n;
        }
    }
}
