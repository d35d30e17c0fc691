package io.spoolkv.protocol.binary;

import java.util.function.Consumer;

/**
 * What {@link BinaryCommandHandler} runs each request through, in order, on the connection's event loop: the
 * command executor itself, or something in front of it that decides first (the SASL gate, with authentication on).
 */
@FunctionalInterface
public interface BinaryRequestRunner {

    /** Runs {@code request} and hands its responses (none, one or several) to {@code out}, in order. */
    void execute(int clientId, BinaryRequest request, Consumer<BinaryReply> out);

    /**
     * Whether {@code request} may run at all. The handler asks before it runs a request outside
     * {@link #execute} (a range scan); a refused one goes to {@link #execute}, which answers the refusal.
     */
    default boolean admits(BinaryRequest request) {
        return true;
    }
}
