package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.spoolkv.spool.ConnectionSpool;
import java.util.function.Consumer;

/**
 * The one producer of item streams (the text key dumps, the binary range-scan continues): runs an
 * {@link ItemStream} through the connection's spool as a {@link StreamingTask}, so it pauses on would-block
 * without a thread and resumes on drain. Its endings: {@code onDone} with how the stream ended, on the event loop
 * once its last byte was written; {@code onClosed} when it stopped before that (then {@code onDone} runs only
 * if the stream failed and its failure frame went out instead of the end, with a null end).
 */
public final class ItemStreamTask extends StreamingTask {

    private final ItemStream stream;
    private final Done done;
    private final Runnable onClosed;

    /**
     * @param onDone runs on the event loop after the last byte was written, with how the stream ended (null
     *        after a failure frame)
     * @param onClosed runs instead of {@code onDone} when the connection closes (or the stream fails) first
     */
    public ItemStreamTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, String command,
                          ItemStream stream, Consumer<ItemStream.End> onDone, Runnable onClosed) {
        this(spool, executor, chunkBytes, command, stream, new Done(stream, onDone), onClosed);
    }

    private ItemStreamTask(ConnectionSpool spool, BackgroundExecutor executor, int chunkBytes, String command,
                           ItemStream stream, Done done, Runnable onClosed) {
        super(spool, executor, chunkBytes, command, done);
        this.stream = stream;
        this.done = done;
        this.onClosed = onClosed;
    }

    @Override
    protected boolean fill(ByteBuf chunk) {
        return stream.fill(chunk);
    }

    /** Chunks hold whole frames, so the client sees the frames sent so far, then this instead of the end. */
    @Override
    protected ByteBuf failureLine(Throwable cause) {
        return stream.failure();
    }

    @Override
    protected void onClosed() {
        if (!done.ran) {
            onClosed.run();
        }
    }

    /** The stream's onDone: hands the end the producer recorded over to the event loop. */
    private static final class Done implements Runnable {
        private final ItemStream stream;
        private final Consumer<ItemStream.End> onDone;
        private volatile boolean ran;

        Done(ItemStream stream, Consumer<ItemStream.End> onDone) {
            this.stream = stream;
            this.onDone = onDone;
        }

        @Override
        public void run() {
            ran = true;
            // The spool's finish queued this after the last chunk, which publishes the end the fill recorded.
            onDone.accept(stream.end());
        }
    }
}
