package io.spoolkv.watch;

import io.netty.buffer.ByteBuf;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.OfferResult;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One watching connection. Lines are offered to its spool from whichever event loop produced the
 * event; a line the spool cannot take now is dropped and counted, and the count is reported
 * ahead of the next line that gets through ({@code skipped=N}), as memcached's logger does. So a
 * slow watcher loses lines but never slows the connections it watches, and its memory is the
 * spool's bound.
 */
final class Watcher {

    private static final byte[] SKIPPED = "skipped=".getBytes(StandardCharsets.US_ASCII);

    private final ConnectionSpool spool;
    private final Set<WatchStream> streams;
    private final AtomicLong skipped = new AtomicLong();

    Watcher(ConnectionSpool spool, Set<WatchStream> streams) {
        this.spool = spool;
        this.streams = streams;
    }

    boolean wants(WatchStream stream) {
        return streams.contains(stream);
    }

    ConnectionSpool spool() {
        return spool;
    }

    long skipped() {
        return skipped.get();
    }

    /**
     * Offers one line (already formatted into {@code line}, which this method owns).
     *
     * @return ACCEPTED when the spool took it, WOULD_BLOCK when it was dropped (and counted for the next
     *         {@code skipped=N}), CLOSED when the watcher's connection is gone
     */
    OfferResult deliver(ByteBuf line) {
        long lost = skipped.getAndSet(0);
        ByteBuf out = line;
        if (lost > 0) {
            ByteBuf withNotice = spool.alloc().buffer(line.readableBytes() + 32);
            withNotice.writeBytes(SKIPPED);
            withNotice.writeCharSequence(Long.toString(lost), StandardCharsets.US_ASCII);
            withNotice.writeByte('\n');
            withNotice.writeBytes(line);
            line.release();
            out = withNotice;
        }
        OfferResult result = spool.offerDroppable(out);
        if (result == OfferResult.WOULD_BLOCK) {
            out.release();
            skipped.addAndGet(lost + 1);
        }
        return result;
    }
}
