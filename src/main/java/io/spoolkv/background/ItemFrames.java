package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.store.Item;

/**
 * How a protocol writes the frames of an item stream (a text key dump, a binary range-scan continue): the
 * {@link ItemStream} decides which items go into which chunk and when the stream ends, the protocol supplies
 * the bytes, so this package knows no wire format.
 */
public interface ItemFrames {

    /** Bytes reserved at the start of every chunk for framing filled in when the chunk is closed; 0 for none. */
    default int chunkHeaderBytes() {
        return 0;
    }

    /** An upper bound of the bytes {@link #write} takes for {@code item}, so that a chunk is not made to grow. */
    int frameBytes(Item item);

    /**
     * Writes one item's frame into the chunk being filled.
     *
     * @return false when the item left the store since it was read and nothing was written: it is skipped
     */
    boolean write(ByteBuf out, Item item);

    /** A chunk goes out with more to follow: fill in the framing reserved at {@code start}. */
    default void closeChunk(ByteBuf out, int start) {
    }

    /**
     * Writes the frame that ends the stream, after the items of the chunk whose reserved framing begins at
     * {@code start} (that framing is this method's to fill in).
     */
    void writeEnd(ByteBuf out, int start, ItemStream.End end);

    /**
     * The frame sent instead of the end when the stream fails after frames went out, as an unpooled buffer (so
     * that it can be made even when pooled memory ran out); the caller owns it.
     */
    ByteBuf failure();
}
