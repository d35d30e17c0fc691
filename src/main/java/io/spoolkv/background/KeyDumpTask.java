package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.store.Item;
import java.util.Iterator;

/**
 * Streams every live item of the store, in key order, in frames a protocol writes (the text protocol's
 * {@code lru_crawler metadump} or {@code mgdump}). The store's iterator is weakly consistent, so the dump never
 * blocks writers and can pause for a slow client for as long as it likes.
 */
public final class KeyDumpTask extends StreamingTask {

    private final Iterator<Item> items;
    private final ItemFrames format;
    private final Runnable onClosed;

    /** @param onClosed runs instead of {@code onDone} when the connection closes before the dump ends */
    public KeyDumpTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, String command,
                       Runnable onDone, Runnable onClosed, Iterator<Item> items, ItemFrames format) {
        super(spool, executor, chunkBytes, command, onDone);
        this.items = items;
        this.format = format;
        this.onClosed = onClosed;
    }

    @Override
    protected void onClosed() {
        super.onClosed();
        onClosed.run();
    }

    @Override
    protected boolean fill(ByteBuf chunk) {
        // Stop a line short of the target so that no line makes the pooled chunk grow.
        int limit = Math.max(chunkBytes() - format.maxFrameBytes(), 1);
        while (chunk.writerIndex() < limit) {
            if (!items.hasNext()) {
                format.writeEnd(chunk);
                return false;
            }
            format.write(chunk, items.next());
        }
        return true;
    }

    /** Chunks hold whole lines, so the client sees the lines sent so far, then this instead of the end. */
    @Override
    protected ByteBuf failureLine(Throwable cause) {
        return Unpooled.wrappedBuffer(format.failure());
    }
}
