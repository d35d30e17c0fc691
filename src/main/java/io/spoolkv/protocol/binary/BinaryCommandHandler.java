package io.spoolkv.protocol.binary;

import io.spoolkv.protocol.OrderedRequestHandler;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The binary protocol's requests on the shared connection lifecycle ({@link OrderedRequestHandler}: order, output
 * bound, streams, endings). A quiet request's response that is not sent is simply never made, so a NOOP's
 * response follows everything before it. QUIT (answered) and QUITQ end the connection; a malformed header is
 * answered "invalid arguments" and closes; a wrong magic byte closes at once. A RangeScanContinue streams through
 * the connection's spool from the background executor.
 */
public final class BinaryCommandHandler extends OrderedRequestHandler<BinaryRequest> {

    private final BinaryRequestRunner executor;
    /** Range scans; null where they are not wired (their opcodes then answer "unknown command"). */
    private final BinaryScanCommands scans;
    private final int clientId;
    private final Consumer<BinaryReply> writer = this::write;

    public BinaryCommandHandler(BinaryRequestRunner executor, int clientId, Runnable onIdleClose,
                                Duration closeTimeout) {
        this(executor, null, clientId, onIdleClose, closeTimeout);
    }

    public BinaryCommandHandler(BinaryRequestRunner executor, BinaryScanCommands scans, int clientId,
                                Runnable onIdleClose, Duration closeTimeout) {
        super(BinaryRequest.class, BinaryRequestDecoder.class, onIdleClose, closeTimeout);
        this.executor = executor;
        this.scans = scans;
        this.clientId = clientId;
    }

    @Override
    protected void run(BinaryRequest request) {
        // a scan the runner refuses (before a SASL login) goes to the runner, which answers the refusal
        if (scans != null && request instanceof BinaryRequest.Command c && Opcodes.rangeScan(c.opcode())
                && executor.admits(c)) {
            runScan(c);
            return;
        }
        executor.execute(clientId, request, writer);
        if (request.isQuit() || request instanceof BinaryRequest.Malformed || request instanceof BinaryRequest.BadMagic) {
            endAfterWrites();
        }
    }

    private void runScan(BinaryRequest.Command c) {
        BinaryResponse response = scans.run(ctx(), c, this::streamFinished);
        if (response != null) {
            write(response);
        } else {
            streamStarted();
        }
    }
}
