package io.spoolkv.scan;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.background.StreamingTask;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.store.Item;

/**
 * One RangeScanContinue: streams the scan's next items, in key order, through the connection's spool from the
 * background executor, pausing on would-block as every {@link StreamingTask} does. Each chunk is one whole
 * response (status 0x00); the last one carries 0xA6 (a limit was reached), 0xA7 (the range is done) or, after a
 * cancel, 0xA5. At least one item is sent before a limit can end the continue, as kv_engine does.
 */
public final class ScanTask extends StreamingTask {

    private final RangeScan scan;
    private final Ending ending;
    private final ScanFrames frames;
    private final long itemLimit;
    private final long byteLimit;
    private final long deadlineNanos;
    private final boolean timed;

    private long items;
    private long bytes;

    /**
     * @param limits item, time (ms) and byte limits, unsigned, 0 for none
     */
    ScanTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, Runnable onDone, RangeScan scan,
             ScanRegistry registry, ScanFrames frames, long itemLimit, long timeLimitMillis, long byteLimit) {
        this(spool, executor, chunkBytes, new Ending(registry, scan, onDone), scan, frames, itemLimit,
                timeLimitMillis, byteLimit);
    }

    private ScanTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, Ending ending,
                     RangeScan scan, ScanFrames frames, long itemLimit, long timeLimitMillis, long byteLimit) {
        super(spool, executor, chunkBytes, "range scan continue", ending);
        this.scan = scan;
        this.ending = ending;
        this.frames = frames;
        this.itemLimit = itemLimit;
        this.byteLimit = byteLimit;
        this.timed = timeLimitMillis > 0;
        this.deadlineNanos = System.nanoTime() + timeLimitMillis * 1_000_000L;
    }

    @Override
    protected boolean fill(ByteBuf chunk) {
        int start = chunk.writerIndex();
        chunk.writerIndex(start + frames.headerBytes());
        short status = SUCCESS_MORE_CHUNKS;
        scan.reread();
        while (chunk.writerIndex() - start < chunkBytes()) {
            if (scan.cancelled()) {
                status = ScanStatus.CANCELLED;
                break;
            }
            Item next = scan.peek();
            if (next == null) {
                status = scan.cancelled() ? ScanStatus.CANCELLED : ScanStatus.COMPLETE;
                break;
            }
            if (items > 0 && limitReached()) {
                status = ScanStatus.MORE;
                break;
            }
            int entry = ScanValues.entryBytes(next, scan.spec().keyOnly());
            if (chunk.writerIndex() > start + frames.headerBytes() && chunk.writerIndex() + entry > chunk.capacity()) {
                break; // the next chunk takes it: a chunk grows only for an entry larger than a whole chunk
            }
            Item item = scan.next();
            int before = chunk.writerIndex();
            if (scan.spec().keyOnly()) {
                ScanValues.writeKey(chunk, item);
            } else if (!ScanValues.writeDocument(chunk, item)) {
                continue; // gone from the store since the scan read it
            }
            items++;
            bytes += chunk.writerIndex() - before;
        }
        int valueBytes = chunk.writerIndex() - start - frames.headerBytes();
        if (status == ScanStatus.CANCELLED) {
            // What was read before the cancel goes out as an ordinary response; the cancel ends it, empty.
            if (valueBytes > 0) {
                frames.setHeader(chunk, start, ScanStatus.SUCCESS, scan.spec().keyOnly(), valueBytes);
                start = chunk.writerIndex();
                chunk.ensureWritable(frames.headerBytes()); // a full chunk may have less room than one header
                chunk.writerIndex(start + frames.headerBytes());
            } else {
                chunk.writerIndex(start + frames.headerBytes());
            }
            frames.setHeader(chunk, start, status, scan.spec().keyOnly(), 0);
        } else {
            frames.setHeader(chunk, start,
                    status == SUCCESS_MORE_CHUNKS ? ScanStatus.SUCCESS : status, scan.spec().keyOnly(), valueBytes);
        }
        if (status == SUCCESS_MORE_CHUNKS) {
            return true;
        }
        ending.status = status; // acted on in onDone, once the last response is written
        return false;
    }

    /** Not a wire status: the chunk is full and the continue goes on. */
    private static final short SUCCESS_MORE_CHUNKS = -1;

    private boolean limitReached() {
        return (itemLimit > 0 && items >= itemLimit)
                || (byteLimit > 0 && bytes >= byteLimit)
                || (timed && System.nanoTime() - deadlineNanos >= 0);
    }

    /**
     * A continue that failed part-way ends with one whole Einternal (0x84) response after the responses already
     * sent (every chunk is whole responses), so the connection stays usable; onClosed forgets the scan.
     */
    @Override
    protected ByteBuf failureLine(Throwable cause) {
        ByteBuf line = Unpooled.buffer(frames.headerBytes());
        line.writerIndex(frames.headerBytes());
        frames.setHeader(line, 0, ScanStatus.EINTERNAL, scan.spec().keyOnly(), 0);
        return line;
    }

    /**
     * The connection closed (or the stream failed) mid-continue: the scan ends with it, unless this continue
     * already handed the scan back (then it may be another continue's now).
     */
    @Override
    protected void onClosed() {
        if (!ending.ran) {
            ending.registry.continueAbandoned(scan);
        }
    }

    /**
     * The onDone of the continue, on the event loop after its last response was written: only then is the scan
     * released for the next continue (or forgotten, when complete), so a paused producer still holding the
     * final chunk never shares the scan and "completed" counts only a delivered 0xA7.
     */
    private static final class Ending implements Runnable {
        private final ScanRegistry registry;
        private final RangeScan scan;
        private final Runnable onDone;
        /** Set by fill on the producer's thread; the spool's finish hands it to the event loop. */
        private volatile short status = ScanStatus.MORE;
        private volatile boolean ran;

        Ending(ScanRegistry registry, RangeScan scan, Runnable onDone) {
            this.registry = registry;
            this.scan = scan;
            this.onDone = onDone;
        }

        @Override
        public void run() {
            ran = true;
            registry.continueEnded(scan, status);
            onDone.run();
        }
    }
}
