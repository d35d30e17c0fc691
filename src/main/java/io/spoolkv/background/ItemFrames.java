package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.store.Item;

/**
 * How a protocol writes the frames of an item stream (a key dump today): the background task decides what and
 * when, the protocol supplies the bytes, so this package knows no wire format.
 */
public interface ItemFrames {

    /** Writes one item's frame into the chunk being filled. */
    void write(ByteBuf out, Item item);

    /** Writes the frame that ends the stream. */
    void writeEnd(ByteBuf out);

    /** The largest frame {@link #write} can produce, so a chunk is never made to grow. */
    int maxFrameBytes();

    /** The frame sent instead of the end when the stream fails after frames went out. */
    byte[] failure();
}
