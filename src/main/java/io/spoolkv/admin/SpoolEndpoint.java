package io.spoolkv.admin;

import io.netty.channel.Channel;
import io.spoolkv.spool.ConnectionSpool;
import io.spoolkv.spool.FlushLatency;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.spool.SpoolStats;
import io.spoolkv.spool.SpoolTotals;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/spool}: which connections hold spool memory and why; {@code DELETE /actuator/spool/{id}}
 * closes one (a stuck consumer). The delete is for operators only: serve the management endpoints on their
 * own port ({@code management.server.port}), or make this endpoint read-only
 * ({@code management.endpoint.spool.access=read-only}).
 */
@Component
@Endpoint(id = "spool")
public class SpoolEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolEndpoint.class);
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final SpoolService spools;

    public SpoolEndpoint(SpoolService spools) {
        this.spools = spools;
    }

    /** Totals, and every connection with a spool, the deepest first. */
    @ReadOperation
    public SpoolReport spool() {
        SpoolTotals totals = spools.totals();
        List<SpoolConnection> connections = spools.spools().stream()
                .map(spool -> SpoolConnection.of(spool.stats()))
                .sorted(Comparator.comparingLong(SpoolConnection::depthBytes).reversed()
                        .thenComparing(SpoolConnection::id))
                .toList();
        return new SpoolReport(totals.depthBytes(), totals.depthFragments(), totals.maxTotalBytes(),
                totals.pausedProducers(), totals.wouldBlock(), totals.resumes(), totals.drainPasses(),
                totals.stuckCloses(), totals.flushLatency(), connections);
    }

    /** One connection; 404 when no open connection has that id. */
    @ReadOperation
    public SpoolConnection connection(@Selector String id) {
        ConnectionSpool spool = find(id);
        return spool == null ? null : SpoolConnection.of(spool.stats());
    }

    /** Closes the connection, which releases its spool; 404 when no open connection has that id. */
    @DeleteOperation
    public WebEndpointResponse<ClosedConnection> close(@Selector String id) {
        ConnectionSpool spool = find(id);
        if (spool == null) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        SpoolStats before = spool.stats();
        Channel channel = spool.channel();
        LOG.info("closing {} on an operator's request ({} bytes spooled, command {})", channel,
                before.depthBytes(), before.command());
        boolean closed = channel.close().awaitUninterruptibly(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        boolean released = closed && awaitReleased(spool);
        return new WebEndpointResponse<>(new ClosedConnection(before.id(), before.remoteAddress(),
                before.command(), closed && released, before.depthBytes(), before.depthFragments(),
                spool.depthBytes(), spool.bytesSent(), closed && released ? "connection closed, spool released"
                        : "close requested; the connection is still closing"));
    }

    /**
     * The spool is released on the event loop after the close future completes (channelInactive runs as a
     * later task), so wait for that, then for the loop to finish the task that does it.
     */
    private static boolean awaitReleased(ConnectionSpool spool) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        while (!spool.isClosed()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        try {
            return spool.channel().eventLoop().submit(() -> { })
                    .awaitUninterruptibly(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException loopGone) {
            return true; // the loop shut down after running everything it had
        }
    }

    private ConnectionSpool find(String id) {
        for (ConnectionSpool spool : spools.spools()) {
            if (spool.channel().id().asShortText().equals(id)) {
                return spool;
            }
        }
        return null;
    }

    /**
     * Totals over all spools.
     *
     * @param depthBytes bytes offered and not yet taken by the sockets
     * @param depthFragments fragments offered and not yet taken by the sockets
     * @param maxTotalBytes the cap on all spools together ({@code spoolkv.spool.max-total-bytes})
     * @param pausedProducers connections whose producer waits for its spool to drain
     * @param wouldBlock offers answered would-block since start
     * @param resumes paused producers resumed since start
     * @param drainPasses drain passes run on the event loops since start
     * @param stuckCloses connections closed because their spool made no progress
     * @param flushLatency flush latency over the last minute, all connections (p50/p99/max of the latest drain
     *        passes; the Prometheus histogram spoolkv_spool_flush_latency_seconds has the full history)
     * @param connections every open connection with a spool, the deepest first
     */
    public record SpoolReport(long depthBytes, long depthFragments, long maxTotalBytes, int pausedProducers,
                              long wouldBlock, long resumes, long drainPasses, long stuckCloses,
                              FlushLatency flushLatency, List<SpoolConnection> connections) {
    }

    /**
     * One connection's spool.
     *
     * @param id the connection's id, for {@code /actuator/spool/{id}}
     * @param remote the client's address
     * @param depthBytes bytes offered and not yet taken by the socket
     * @param depthFragments fragments offered and not yet taken by the socket
     * @param oldestPendingMillis age of the oldest byte not yet taken by the socket; 0 when empty
     * @param writable false while the socket's send buffer is full (the client reads slowly or not at all)
     * @param producerPaused a background command waits for this spool to drain
     * @param bytesSent bytes the socket has taken from this spool
     * @param command what is streaming (e.g. {@code lru_crawler metadump}), or null
     * @param lastProgress when the socket last took bytes from this spool (ISO-8601)
     * @param flushLatency this connection's flush latency over the last minute (its latest drain passes)
     */
    public record SpoolConnection(String id, String remote, long depthBytes, int depthFragments,
                                  long oldestPendingMillis, boolean writable, boolean producerPaused,
                                  long bytesSent, String command, String lastProgress,
                                  FlushLatency flushLatency) {

        static SpoolConnection of(SpoolStats s) {
            return new SpoolConnection(s.id(), s.remoteAddress(), s.depthBytes(), s.depthFragments(),
                    s.oldestPendingMillis(), s.writable(), s.producerPaused(), s.bytesSent(), s.command(),
                    s.lastProgress() == null ? null : s.lastProgress().toString(), s.flushLatency());
        }
    }

    /**
     * What {@code DELETE /actuator/spool/{id}} did.
     *
     * @param id the connection
     * @param remote the client's address
     * @param command what was streaming when it was closed, or null
     * @param closed whether the connection is closed and its spool released
     * @param releasedBytes bytes the spool held when the close was requested
     * @param releasedFragments fragments the spool held when the close was requested
     * @param depthBytesAfter bytes the spool still holds (0 once released)
     * @param bytesSent bytes the client had received from the spool
     * @param action what happened, in words
     */
    public record ClosedConnection(String id, String remote, String command, boolean closed, long releasedBytes,
                                   int releasedFragments, long depthBytesAfter, long bytesSent, String action) {
    }
}
