package io.spoolkv.protocol.text;

import io.spoolkv.protocol.OrderedRequestHandler;
import io.spoolkv.store.Item;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The text protocol's requests on the shared connection lifecycle ({@link OrderedRequestHandler}: order, output
 * bound, streams, endings). What is text-specific: a get of many keys is answered one value at a time, looking
 * each key up only when the socket can take more, so no answer is ever assembled whole; {@code lru_crawler} and
 * {@code watch} start streams; {@code quit} and a fatal line end the connection.
 */
public final class TextCommandHandler extends OrderedRequestHandler<TextRequest> {

    /** Small values of one get are written together up to this many bytes: one buffer, not one per value. */
    static final int BATCH_BYTES = 16 * 1024;

    private final TextCommandExecutor executor;
    private final StreamCommands streams;
    private final int clientId;

    /** A get/gets/gat/gats being answered, and the index of its next key; null when none. */
    private TextRequest.Retrieval retrieval;
    private int nextKey;

    /**
     * @param onIdleClose runs when the connection is closed for {@code spoolkv.server.idle-timeout} (counts it)
     * @param closeTimeout how long a connection that is closing (quit, half-close, shutdown, idle) waits for its
     *        client to take the last answers before it is closed anyway ({@code spoolkv.spool.stuck-timeout})
     */
    public TextCommandHandler(TextCommandExecutor executor, StreamCommands streams, int clientId,
                              Runnable onIdleClose, Duration closeTimeout) {
        super(TextRequest.class, TextRequestDecoder.class, onIdleClose, closeTimeout);
        this.executor = executor;
        this.streams = streams;
        this.clientId = clientId;
    }

    @Override
    protected void run(TextRequest request) {
        if (request instanceof TextRequest.Quit) {
            endAfterWrites();
        } else if (request instanceof TextRequest.Invalid invalid && invalid.close()) {
            write(TextResponse.Line.of(invalid.reply()));
            endAfterWrites();
        } else if (request instanceof TextRequest.Retrieval r) {
            retrieval = r;
            nextKey = 0;
        } else if (request instanceof TextRequest.LruCrawler || request instanceof TextRequest.Watch) {
            startStream(request);
        } else {
            TextResponse reply = executor.execute(clientId, request);
            if (reply != null) {
                write(reply);
            }
        }
    }

    @Override
    protected boolean answering() {
        return retrieval != null;
    }

    /**
     * Looks up and writes values while the channel can take them; END after the last key. Consecutive small hits
     * share one buffer (up to {@link #BATCH_BYTES}, plus the value that crosses it), and the last batch carries
     * END, so a single-key get is still one buffer.
     */
    @Override
    protected void continueAnswer() {
        TextRequest.Retrieval r = retrieval;
        List<Item> batch = null;
        long batchBytes = 0;
        while (nextKey < r.keys().size()) {
            if (batch == null && !ctx().channel().isWritable()) {
                return; // the base blocks; we continue from nextKey when writable
            }
            Item item;
            try {
                item = executor.retrieve(clientId, r, r.keys().get(nextKey++)); // retained for the reply
            } catch (Throwable e) { // an Error too: a watch line's buffer can meet OutOfDirectMemoryError
                if (batch != null) {
                    batch.forEach(Item::release);
                }
                throw e;
            }
            if (item == null) {
                continue;
            }
            if (batch == null) {
                batch = new ArrayList<>(Math.min(8, r.keys().size() - nextKey + 1));
            }
            batch.add(item);
            batchBytes += TextResponse.Values.size(item);
            if (batchBytes >= BATCH_BYTES) {
                write(new TextResponse.Values(batch, r.withCas(), false));
                batch = null;
                batchBytes = 0;
            }
        }
        write(batch == null ? TextResponse.Line.END : new TextResponse.Values(batch, r.withCas(), true));
        retrieval = null;
    }

    @Override
    protected void forgetAnswer() {
        retrieval = null;
    }

    private void startStream(TextRequest request) {
        StreamCommands.Started started = streams.start(ctx(), clientId, request, this::streamFinished);
        if (started.reply() != null) {
            write(started.reply());
        }
        if (!started.streaming()) {
            return;
        }
        if (started.endless()) {
            servingDone();
        } else {
            streamStarted();
        }
    }
}
