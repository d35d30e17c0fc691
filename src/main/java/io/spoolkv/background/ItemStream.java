package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.store.Item;

/**
 * The fill loop of an item stream, protocol-neutral: reads items from an {@link ItemCursor}, applies the
 * {@link ItemLimits}, and has the protocol's {@link ItemFrames} encode each item into the current chunk, then the
 * end. A chunk holds whole frames: it grows past its capacity for one item larger than a whole chunk, or for the
 * end frame when it does not fit the rest of a chunk that is not yet full.
 * {@link ItemStreamTask} runs it through the spool. One thread at a time, as the task hands it over.
 */
public final class ItemStream {

    /** Why a stream ended. */
    public enum End {
        /** The cursor has nothing more. */
        COMPLETE,
        /** A limit was reached with items left: a later stream may go on from here. */
        LIMIT,
        /** The cursor was cancelled. */
        CANCELLED
    }

    private final ItemCursor cursor;
    private final ItemFrames frames;
    private final ItemLimits limits;
    private final long deadlineNanos;

    private long items;
    private long bytes;
    /** Set by the fill that wrote the end; read once the end was written (the task publishes it). */
    private End end;

    public ItemStream(ItemCursor cursor, ItemLimits limits, ItemFrames frames) {
        this.cursor = cursor;
        this.limits = limits;
        this.frames = frames;
        this.deadlineNanos = System.nanoTime() + limits.timeMillis() * 1_000_000L;
    }

    /**
     * Fills {@code chunk} up to its capacity with whole frames.
     *
     * @return true if more chunks follow; false when this chunk carries the end ({@link #end()} says which)
     */
    public boolean fill(ByteBuf chunk) {
        int start = chunk.writerIndex();
        int target = chunk.capacity() - start;
        int first = start + frames.chunkHeaderBytes();
        chunk.writerIndex(first);
        cursor.reread();
        for (;;) {
            if (chunk.writerIndex() > first && chunk.writerIndex() >= start + target) {
                // A full chunk leaves as it is: the end, a limit or a cancel goes in the next one, as before the
                // dump and the scan shared this loop (a scan's last large document is a 0x00, then the status).
                frames.closeChunk(chunk, start);
                return true;
            }
            if (cursor.cancelled()) {
                return end(chunk, start, End.CANCELLED);
            }
            Item next = cursor.peek();
            if (next == null && cursor.paused()) {
                // the cursor's budget of items examined ran out: this chunk goes out as it is (nothing at all when
                // it holds no item: its reserved framing is dropped) and the next one goes on from here
                if (chunk.writerIndex() == first) {
                    chunk.writerIndex(start);
                } else {
                    frames.closeChunk(chunk, start);
                }
                return true;
            }
            if (next == null) {
                return end(chunk, start, cursor.cancelled() ? End.CANCELLED : End.COMPLETE);
            }
            if (items > 0 && limitReached()) {
                return end(chunk, start, End.LIMIT);
            }
            if (chunk.writerIndex() > first && chunk.writerIndex() + frames.frameBytes(next) > start + target) {
                frames.closeChunk(chunk, start); // the next chunk takes it
                return true;
            }
            int before = chunk.writerIndex();
            if (frames.write(chunk, cursor.next())) {
                items++;
                bytes += chunk.writerIndex() - before;
            }
        }
    }

    /** How the stream ended; null until a fill wrote the end. */
    public End end() {
        return end;
    }

    /** The frame that replaces the end when the stream fails part-way; the caller owns it. */
    public ByteBuf failure() {
        return frames.failure();
    }

    private boolean end(ByteBuf chunk, int start, End end) {
        frames.writeEnd(chunk, start, end);
        this.end = end;
        return false;
    }

    private boolean limitReached() {
        return (limits.items() != 0 && Long.compareUnsigned(items, limits.items()) >= 0)
                || (limits.bytes() != 0 && Long.compareUnsigned(bytes, limits.bytes()) >= 0)
                || (limits.timeMillis() != 0 && System.nanoTime() - deadlineNanos >= 0);
    }
}
