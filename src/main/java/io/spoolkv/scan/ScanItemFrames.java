package io.spoolkv.scan;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.background.ItemFrames;
import io.spoolkv.background.ItemStream;
import io.spoolkv.store.Item;

/**
 * A continue's item frames: each chunk is one whole response (the protocol's {@link ScanFrames} header, status
 * 0x00) whose value is kv_engine's key-only or document entries ({@link ScanValues}); the last response carries
 * 0xA6 (a limit was reached), 0xA7 (the range is done) or, after a cancel, an empty 0xA5 after the items read.
 */
record ScanItemFrames(ScanFrames frames, boolean keyOnly) implements ItemFrames {

    @Override
    public int chunkHeaderBytes() {
        return frames.headerBytes();
    }

    @Override
    public int frameBytes(Item item) {
        return ScanValues.entryBytes(item, keyOnly);
    }

    @Override
    public boolean write(ByteBuf out, Item item) {
        if (keyOnly) {
            ScanValues.writeKey(out, item);
            return true;
        }
        return ScanValues.writeDocument(out, item);
    }

    @Override
    public void closeChunk(ByteBuf out, int start) {
        frames.setHeader(out, start, ScanStatus.SUCCESS, keyOnly, valueBytes(out, start));
    }

    @Override
    public void writeEnd(ByteBuf out, int start, ItemStream.End end) {
        if (end != ItemStream.End.CANCELLED) {
            frames.setHeader(out, start, status(end), keyOnly, valueBytes(out, start));
            return;
        }
        // What was read before the cancel goes out as an ordinary response; the cancel ends it, empty.
        if (valueBytes(out, start) > 0) {
            closeChunk(out, start);
            start = out.writerIndex();
            out.ensureWritable(frames.headerBytes()); // a full chunk may have less room than one header
            out.writerIndex(start + frames.headerBytes());
        }
        frames.setHeader(out, start, ScanStatus.CANCELLED, keyOnly, 0);
    }

    /**
     * A continue that failed part-way ends with one whole Einternal (0x84) response after the responses already
     * sent (every chunk is whole responses), so the connection stays usable.
     */
    @Override
    public ByteBuf failure() {
        ByteBuf line = Unpooled.buffer(frames.headerBytes());
        line.writerIndex(frames.headerBytes());
        frames.setHeader(line, 0, ScanStatus.EINTERNAL, keyOnly, 0);
        return line;
    }

    /** The wire status of a continue's end; a failed one (null) is not complete. */
    static short status(ItemStream.End end) {
        if (end == null) {
            return ScanStatus.EINTERNAL;
        }
        return switch (end) {
            case COMPLETE -> ScanStatus.COMPLETE;
            case LIMIT -> ScanStatus.MORE;
            case CANCELLED -> ScanStatus.CANCELLED;
        };
    }

    private int valueBytes(ByteBuf out, int start) {
        return out.writerIndex() - start - frames.headerBytes();
    }
}
