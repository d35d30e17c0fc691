package io.spoolkv.spool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import io.spoolkv.config.SpoolProperties;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries output produced off the event loop (by background commands) to one connection's socket, writing
 * only from the channel's event loop, in batches, within a bound.
 *
 * <p><b>Threads.</b> {@link #offer}, {@link #finish}, {@link #resumeWhenDrained}, {@link #alloc},
 * {@link #stats} and {@link #command(String)} may be called from any thread. The drain, {@link #close} and
 * {@link #onWritabilityChanged} run on the channel's event loop only.
 *
 * <p><b>Ownership.</b> A producer owns the buffers it allocates from {@link #alloc()} until {@link #offer}
 * answers {@link OfferResult#ACCEPTED} (the spool owns it: the channel releases it once written, the spool
 * if the connection closes first) or {@link OfferResult#CLOSED} (the spool released it). On
 * {@link OfferResult#WOULD_BLOCK} the producer still owns it and offers it again after being resumed.
 *
 * <p><b>Draining.</b> Fragments go into a lock-free MPSC queue. Only the offer that finds the spool idle
 * (wins {@link #drainScheduled}) puts the drain on the event loop; later offers just enqueue. A drain pass
 * writes fragments with the void promise, the last one of each {@link Group} with a real promise whose listener
 * returns the group's bytes to the budgets, then flushes once. A group is the whole pass, or, in a pass of large
 * fragments, each run of at least a quarter of the low watermark of it: so the depth falls in steps of at most
 * that plus one fragment, and a paused producer is resumed while most of its resume point ({@link #resumeBelow})
 * is still queued for the socket, not when the spool has run dry (with one group per pass, a pass of 1 MiB returned nothing until its
 * last byte was taken). A fragment larger than a group is a group of its own, so values of that size gain
 * nothing. The passes only get that long when the channel's write high watermark is well above a group: at the
 * server's default (64 KiB, {@code spoolkv.server.write-high-water-bytes}) with the default low watermark (a 64 KiB
 * group) a pass stops at the channel's bound and is one group, as before. Past its budget ({@code drainMaxFragments},
 * {@code drainMaxBytes}) a pass re-submits itself so other connections on the loop get their turn. While the
 * channel is unwritable the drain parks, holding the scheduled flag (so offers do not wake the loop), and
 * {@link #onWritabilityChanged} restarts it.
 *
 * <p><b>Accounting.</b> A fragment counts against the spool's depth (and the global cap) from its offer
 * until the socket has taken it: the depth covers both this queue and Netty's outbound buffer, so one bound
 * holds both.
 *
 * <p><b>Flush latency</b> ({@code spoolkv.spool.flush.latency}) records, once per group (a drain pass, or a part
 * of a long one), the time from the offer of the group's oldest fragment until the socket took the group's last
 * fragment (its write promise completed): the worst case of the group, not every fragment. Offers do not read
 * the clock each: after every pass the drain asks for a {@link Stamp}, and so does an offer that takes the
 * fragment count to a multiple of {@link #stampEvery}; the next offer puts the time into the queue ahead
 * of its fragment. A pass is timed from the last stamp before its first fragment, which is never later than that
 * fragment's offer, so the figure never understates; it overstates by the time between that stamp and the
 * fragment's offer, which spans fewer than {@link #stampEvery} offers while nothing is taken (each fragment
 * the socket takes meanwhile can add one). A later group of the same pass is timed from the last stamp before
 * its own first fragment. Direct mode records it for every fragment.
 *
 * <p><b>Counters.</b> {@code spoolkv.spool.fragments.offered} and {@code bytes.offered} count accepted
 * fragments when the drain takes them off the queue (or a close discards them), once per pass, not per offer.
 *
 * <p><b>Direct mode</b> ({@link SpoolProperties.Mode#DIRECT}) swaps the queue and drain for
 * {@link DirectDelivery}, a benchmark baseline; see there. Do not use it in production.
 */
public final class ConnectionSpool {

    private static final Logger log = LoggerFactory.getLogger(ConnectionSpool.class);
    /** Flush-latency samples (one per group) kept per connection for its recent latency (1 KB of arrays). */
    public static final int RECENT_SAMPLES = 64;
    /** Smallest group a pass returns to the budgets at once (see {@link #groupBytes(long)}). */
    static final long MIN_GROUP_BYTES = 16 * 1024;
    /**
     * Fragments of the paused producer's size still queued when it is resumed (see {@link #resumeBelow(long)}):
     * 48 puts the resume point for 16 KiB fragments at the 768 KiB that measured best with the default 1 MiB bound;
     * below about 5 KiB the low watermark is the larger and decides.
     */
    static final int RESUME_HEADROOM_FRAGMENTS = 48;
    /**
     * Most offers between clock reads while fragments pile up (see "Flush latency" above): a pass's worth, but no
     * more than 256 even when passes are longer, so the recorded latency overstates no more than it did at the
     * old 256-fragment pass.
     */
    static final int STAMP_EVERY = 256;

    private final Channel channel;
    private final EventLoop loop;
    /** The queue and drain below, or the benchmark baseline. */
    private final Delivery delivery;
    private final long highWater;
    private final long lowWater;
    private final int drainMaxFragments;
    /** A pass's worth of offers, at most {@link #STAMP_EVERY}: how often piling-up offers read the clock. */
    private final int stampEvery;
    private final long drainMaxBytes;
    /** A drain pass's bytes are returned to the budgets in groups of at least this many (see {@link Group}). */
    private final long groupBytes;
    private final GlobalBudget global;
    private final Executor resumeExecutor;
    private final SpoolMetrics metrics;

    /**
     * Fragments (the producers' buffers themselves, no entry object per fragment) and {@link Marker}s, in offer
     * order. Single consumer: whoever holds {@link #drainScheduled}.
     */
    private final Queue<Object> queue = PlatformDependent.newMpscQueue();
    /** Set by the drain after each pass: the next offer stamps the queue with the time (see {@link Stamp}). */
    private volatile boolean stampWanted = true;
    /**
     * Set by the offer that takes the spool from idle to busy; cleared by the drain when it finds nothing
     * left. Whoever holds it is the queue's only consumer.
     */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    /** One-shot resume callbacks of paused producers (usually one; tests use many). */
    private final Queue<ResumeCallback> resumeWaiters = new ConcurrentLinkedQueue<>();
    /** Serialises the discards that run off the event loop once it is gone (see {@link #discardWhenLoopGone}). */
    private final Object offLoopDiscard = new Object();
    /** Whether this spool sits in the global budget's waiter queue (keeps it there at most once). */
    private final AtomicBoolean awaitingGlobalRoom = new AtomicBoolean();

    private final AtomicLong depthBytes = new AtomicLong();
    private final AtomicInteger depthFragments = new AtomicInteger();
    /** Size of the last refused fragment: a producer is resumed only when that fragment would now fit. */
    private volatile long blockedSize;
    private volatile boolean closed;
    private volatile String command;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile long oldestPendingNanos;
    /** Written only on the event loop (write listeners run there); read anywhere. */
    private volatile long bytesSent;
    /** This connection's last drain passes, for the actuator (written on the event loop). */
    private final RecentLatencies recentFlushLatency = new RecentLatencies(RECENT_SAMPLES);

    // Event loop only.
    private boolean parked;
    /** Fragments and bytes the running drain pass took, added to the counters once at its end; zero between. */
    private int passFragments;
    private long passBytes;
    /** The group being built and its last fragment, not written yet (it gets the group's real promise). */
    private Group openGroup;
    private ByteBuf openLast;
    /** The last stamp the drain took off the queue: no later than the offer of any fragment behind it. */
    private long lastStampNanos = System.nanoTime();
    /** Whether the running drain pass wrote anything since its last flush. */
    private boolean unflushed;
    private final ArrayDeque<Group> inFlight = new ArrayDeque<>();

    ConnectionSpool(Channel channel, SpoolProperties properties, GlobalBudget global, Executor resumeExecutor,
                    SpoolMetrics metrics) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.delivery = properties.mode() == SpoolProperties.Mode.DIRECT
                ? new DirectDelivery(channel, this) : new Spooled();
        this.highWater = properties.highWaterBytes().toBytes();
        this.lowWater = properties.lowWaterBytes().toBytes();
        this.drainMaxFragments = properties.drainMaxFragments();
        this.stampEvery = Math.min(drainMaxFragments, STAMP_EVERY);
        this.drainMaxBytes = properties.drainMaxBytes().toBytes();
        this.groupBytes = groupBytes(lowWater);
        this.global = global;
        this.resumeExecutor = resumeExecutor;
        this.metrics = metrics;
    }

    /**
     * A quarter of the low watermark: a paused producer is resumed once the depth is under the low watermark (or
     * a higher point, {@link #resumeBelow}), and the depth falls a group at a time, so at least about three
     * quarters of it are still queued for the socket when the producer is woken. At least {@link #MIN_GROUP_BYTES},
     * so a tiny (or zero) low watermark does not cost a promise per small fragment: a pass of 256 fragments of up
     * to 64 B stays one group at any low watermark, and at the default (64 KiB groups) a pass of 1,024 such
     * fragments is one group.
     */
    static long groupBytes(long lowWater) {
        return Math.max(lowWater / 4, MIN_GROUP_BYTES);
    }

    /**
     * The depth under which a producer paused on a fragment of {@code blockedSize} bytes is resumed: the larger of
     * the low watermark and {@link #RESUME_HEADROOM_FRAGMENTS} such fragments, the latter at most three quarters of
     * the high watermark. While a woken producer gets going (a task on the background executor, a thread
     * wake-up, its first fragment filled) the socket keeps taking bytes, and at large fragments it takes them
     * fast: with 16 KiB fragments and the default 256 KiB the drain ran dry before the producer was back
     * (docs/spool-performance.md, "A lead: the low watermark at large fragments"). Small fragments keep the low
     * watermark, so their pauses stay as rare as configured; the quarter of the bound left above the resume point
     * is what a resumed producer fills before it pauses again. Only when to wake changes, not the bound.
     */
    long resumeBelow(long blockedSize) {
        long headroom = Math.min(blockedSize, highWater) * RESUME_HEADROOM_FRAGMENTS;
        return Math.max(lowWater, Math.min(headroom, highWater - highWater / 4));
    }

    /** The channel's allocator: producers write into pooled buffers from it and hand them over (no copy). */
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Hands a fragment to the spool. A fragment is refused when the spool's depth plus its size would pass the
     * high watermark, unless the spool is empty (so a fragment larger than the watermark cannot deadlock), or
     * when it would pass the global cap. See {@link OfferResult} for who owns the buffer afterwards.
     */
    public OfferResult offer(ByteBuf fragment) {
        return offer(fragment, false);
    }

    /**
     * Like {@link #offer(ByteBuf)}, for output that may be dropped (watch lines): it may not take the global
     * total into the reserve kept for producers that pause and resume, so droppable traffic can never starve a
     * paused dump of the room it waits for.
     */
    public OfferResult offerDroppable(ByteBuf fragment) {
        return offer(fragment, true);
    }

    private OfferResult offer(ByteBuf fragment, boolean droppable) {
        if (closed) {
            fragment.release();
            return OfferResult.CLOSED;
        }
        int size = fragment.readableBytes();
        if (!reserveDepth(size)) {
            return refuse(size, false);
        }
        if (!global.tryReserve(size, droppable)) {
            returnLocalDepth(size, 1);
            return refuse(size, true);
        }
        deliverOrGiveBack(fragment, size);
        return OfferResult.ACCEPTED;
    }

    /** Hands a reserved fragment to the delivery; if that throws, the buffer and its reservations go back. */
    private void deliverOrGiveBack(ByteBuf fragment, int size) {
        try {
            delivery.deliver(fragment, size);
        } catch (Throwable t) {
            // Not handed over (the queue or a stamp could not be allocated): nobody else will release it.
            fragment.release();
            returnDepth(size, 1);
            throw t;
        }
    }

    /**
     * Queues the end of a stream. {@code onLoop} runs on the event loop once every fragment offered before it
     * has been written and flushed to the channel (the connection uses it to resume reading). If the
     * connection closes first, it never runs.
     *
     * @return CLOSED (and {@code onLoop} will not run) when the spool is closed, else ACCEPTED
     */
    public OfferResult finish(Runnable onLoop) {
        return finish(null, onLoop);
    }

    /**
     * Queues a stream's last fragment, never refused for the watermarks (it is one short line, such as an error
     * that ends a failed stream, and a producer that is giving up cannot wait to be resumed), then the end of
     * the stream as {@link #finish(Runnable)}. The spool owns {@code last} from this call on, whatever it
     * answers; null means no last fragment.
     */
    public OfferResult finish(ByteBuf last, Runnable onLoop) {
        if (last != null) {
            if (closed) {
                last.release();
                return OfferResult.CLOSED;
            }
            int size = last.readableBytes();
            forceReserve(size);
            deliverOrGiveBack(last, size);
        }
        if (closed) {
            return OfferResult.CLOSED;
        }
        return delivery.finish(onLoop);
    }

    /**
     * Registers a one-shot callback, run on the background executor once the spool has drained under its resume
     * point (the low watermark, or higher for large fragments: {@link #resumeBelow}) and the global total has room
     * again (or the spool closes, so the producer hears CLOSED on its
     * next offer). If that already holds, the callback is scheduled at once.
     *
     * <p>If the executor refuses the callback (it is shutting down), the callback's
     * {@link ResumeCallback#abandoned()} runs instead, on the thread that found the room, so the producer can
     * release what it holds.
     *
     * @return false if the spool is closed (the callback is not registered and will not run)
     */
    public boolean resumeWhenDrained(ResumeCallback resume) {
        if (closed) {
            return false;
        }
        resumeWaiters.add(resume);
        if (closed && resumeWaiters.remove(resume)) {
            return false; // close ran between our check and add; it did not see us
        }
        // Register, then re-check: a drain that lowered the depth before we were visible is caught here.
        checkResume();
        return true;
    }

    /**
     * The command streaming into this spool, or null when none. Shown in the stats, and watched by the stuck
     * check: a stream that is registered here but neither offers nor gets its bytes taken is stuck too, even at
     * depth 0 (a producer that died without finishing).
     */
    public void command(String command) {
        if (command != null) {
            lastProgressNanos = System.nanoTime();
        }
        this.command = command;
    }

    public String command() {
        return command;
    }

    public boolean isClosed() {
        return closed;
    }

    public long depthBytes() {
        return depthBytes.get();
    }

    public int depthFragments() {
        return depthFragments.get();
    }

    public long bytesSent() {
        return bytesSent;
    }

    public boolean producerPaused() {
        return !resumeWaiters.isEmpty();
    }

    /**
     * True when bytes are pending and the socket has taken none of them for {@code timeoutNanos}, or when a
     * stream is registered ({@link #command(String)}) and has neither offered nor had anything taken for that
     * long, unless its producer is paused waiting for room under the global cap. An offer that finds the spool
     * empty, and every pass the socket takes, count as progress.
     */
    boolean isStuck(long nowNanos, long timeoutNanos) {
        if (nowNanos - lastProgressNanos <= timeoutNanos) {
            return false;
        }
        // At depth 0 a paused producer waits for the global cap, not for this client: not this client's fault.
        return depthBytes.get() > 0 || (command != null && resumeWaiters.isEmpty());
    }

    public SpoolStats stats() {
        long now = System.nanoTime();
        long depth = depthBytes.get();
        long sinceProgress = now - lastProgressNanos;
        return new SpoolStats(
                channel.id().asShortText(),
                channel.remoteAddress() == null ? null : channel.remoteAddress().toString(),
                depth,
                depthFragments.get(),
                depth == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - oldestPendingNanos)),
                channel.isWritable(),
                producerPaused(),
                bytesSent,
                command,
                Instant.now().minusNanos(sinceProgress),
                recentFlushLatency.snapshot(now));
    }

    /** This connection's recent flush latencies in nanoseconds, smallest first (what {@link #stats} sums up). */
    long[] recentFlushLatencyNanos() {
        return recentFlushLatency.sortedNanos(System.nanoTime());
    }

    // ---- accounting ----------------------------------------------------------------------------------

    private boolean reserveDepth(int size) {
        for (;;) {
            long depth = depthBytes.get();
            if (depth > 0 && depth + size > highWater) {
                return false;
            }
            if (depth == 0) {
                // Idle to busy: the stuck clock starts now, not at the last progress, maybe hours ago.
                long now = System.nanoTime();
                lastProgressNanos = now;
                oldestPendingNanos = now;
            }
            if (depthBytes.compareAndSet(depth, depth + size)) {
                countFragmentIn();
                return true;
            }
        }
    }

    /** A reservation past the watermarks, for a stream's last line (see {@link #finish(ByteBuf, Runnable)}). */
    private void forceReserve(int size) {
        if (depthBytes.getAndAdd(size) == 0) {
            long now = System.nanoTime();
            lastProgressNanos = now;
            oldestPendingNanos = now;
        }
        countFragmentIn();
        global.forceReserve(size);
    }

    /**
     * Adds a fragment to the depth, and asks for a {@link Stamp} each time the count reaches a multiple of
     * {@link #stampEvery} (a pass's worth, at most {@link #STAMP_EVERY}): while offers pile up behind a parked or
     * busy drain, a pass is not timed from a stamp more than that many offers before its first fragment (one clock
     * read per such run).
     */
    private void countFragmentIn() {
        if (depthFragments.incrementAndGet() % stampEvery == 0) {
            stampWanted = true;
        }
    }

    private OfferResult refuse(int size, boolean globalCap) {
        blockedSize = size;
        metrics.wouldBlock(globalCap);
        return OfferResult.WOULD_BLOCK;
    }

    /** Called on the event loop when the socket took a pass (or a closing channel failed it). */
    void onTaken(boolean success, long bytes, int fragments, long oldestOfferNanos, long nowNanos) {
        if (success) {
            bytesSent += bytes; // single writer: the event loop
            metrics.flushLatency(nowNanos - oldestOfferNanos, nowNanos);
            recentFlushLatency.record(nowNanos - oldestOfferNanos, nowNanos);
        }
        lastProgressNanos = nowNanos;
        returnDepth(bytes, fragments);
    }

    private void returnDepth(long bytes, int fragments) {
        global.release(bytes, fragments);
        returnLocalDepth(bytes, fragments);
    }

    private void returnLocalDepth(long bytes, int fragments) {
        depthBytes.addAndGet(-bytes);
        depthFragments.addAndGet(-fragments);
        // Also after a reservation the global cap refused: while it was counted, a producer's re-check may
        // have failed on it, so someone must check again now.
        checkResume();
    }

    /**
     * Schedules the paused producers' callbacks if their refused fragment would now fit both here and in the
     * global cap, or if the spool is closed. Called after every decrease of the depth and by the global
     * budget when room appears.
     */
    void checkResume() {
        if (resumeWaiters.isEmpty()) {
            return;
        }
        if (!closed) {
            long depth = depthBytes.get();
            long size = blockedSize;
            if (depth > 0 && (depth >= resumeBelow(size) || depth + size > highWater)) {
                return; // the next decrease calls us again
            }
            if (!global.hasRoomFor(size) && !global.awaitRoom(this, size)) {
                return; // the global budget calls us when room appears
            }
        }
        ResumeCallback resume;
        while ((resume = resumeWaiters.poll()) != null) { // poll: each callback runs once, whoever races us
            metrics.resumed();
            try {
                resumeExecutor.execute(resume);
            } catch (RejectedExecutionException shuttingDown) {
                log.warn("background executor refused a resume callback for {}; is it shutting down?", channel);
                abandon(resume);
            }
        }
    }

    /** Counts accepted fragments: once per drain pass (or discard), or per fragment in direct mode. */
    void countOffered(int fragments, long bytes) {
        if (fragments > 0) {
            metrics.offered(fragments, bytes);
        }
    }

    boolean markAwaitingGlobalRoom() {
        return awaitingGlobalRoom.compareAndSet(false, true);
    }

    void clearAwaitingGlobalRoom() {
        awaitingGlobalRoom.set(false);
    }

    // ---- queue and drain -----------------------------------------------------------------------------

    /** The production delivery: the lock-free queue, drained in batches on the event loop. */
    private final class Spooled implements Delivery {

        @Override
        public void deliver(ByteBuf fragment, int size) {
            if (stampWanted) {
                // Cleared after the stamp is in: an offer racing us either stamps too or enqueues behind our stamp.
                queue.offer(new Stamp(System.nanoTime()));
                stampWanted = false;
            }
            queue.offer(fragment);
            scheduleDrain();
            // Racing close: if the drain already emptied the queue for a close, the drain we just scheduled (or
            // the one holding the flag) sees `closed` and releases this fragment.
        }

        @Override
        public OfferResult finish(Runnable onLoop) {
            queue.offer(new Finish(onLoop));
            scheduleDrain();
            return OfferResult.ACCEPTED;
        }
    }

    private void scheduleDrain() {
        // Read before the CAS: while a drain is scheduled (a busy spool) an offer writes nothing here. No wakeup is
        // lost: the drain lets go of the flag and then looks at the queue, we enqueue and then look at the flag.
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            submitDrain();
        }
    }

    /** Called only by the holder of {@link #drainScheduled}. */
    private void submitDrain() {
        try {
            loop.execute(drainTask);
        } catch (RejectedExecutionException loopGone) {
            discardWhenLoopGone();
        }
    }

    /**
     * The event loop refused a task: it is shutting down and will drain nothing more. Once it has terminated
     * (its last tasks, maybe a drain of ours, have run), whatever is queued is released off the loop, under a
     * lock, since nothing runs on the loop any more to compete for the queue. The drain flag is then let go,
     * so a later offer takes this path again instead of stranding its fragment behind a dead holder.
     */
    private void discardWhenLoopGone() {
        closed = true;
        loop.terminationFuture().addListener(f -> {
            synchronized (offLoopDiscard) {
                discardQueued();
                drainScheduled.set(false);
            }
            if (!queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
                submitDrain();
            }
            checkResume();
        });
    }

    private void drain() {
        try {
            drainOnce();
        } catch (Throwable t) {
            // We hold the flag and are the only consumer: release everything, then close the connection. Passes
            // already handed over are returned by their listeners when the close fails them; the open group
            // never got a listener, so it is settled here: its written fragments are released by Netty, its
            // last one (not written yet) by us.
            metrics.failure("drain");
            log.warn("drain failed on {}; closing the connection", channel, t);
            closed = true;
            parked = false;
            unflushed = false;
            Group group = openGroup;
            ByteBuf last = openLast;
            openGroup = null;
            openLast = null;
            if (last != null) {
                last.release();
            }
            countOffered(passFragments, passBytes); // what this pass took before it failed
            passFragments = 0;
            passBytes = 0;
            if (group != null && group.fragments > 0) { // an open group may be empty: made before its first poll
                onTaken(false, group.bytes, group.fragments, group.oldestOfferNanos, System.nanoTime());
            }
            discardQueued();
            releaseDrainFlag();
            channel.close();
        }
    }

    private void drainOnce() {
        if (closed) {
            discardQueued();
            releaseDrainFlag();
            return;
        }
        while (passFragments < drainMaxFragments && passBytes < drainMaxBytes && channel.isWritable()) {
            if (openGroup == null) {
                // Before the poll: once a fragment is off the queue nothing may fail until the open group holds it.
                openGroup = new Group();
            }
            Object entry = queue.poll();
            if (entry == null) {
                break;
            }
            if (entry instanceof ByteBuf fragment) {
                int size = fragment.readableBytes();
                openGroup.add(size, lastStampNanos);
                passFragments++; // counted with the open group, so a failure in the write below counts it
                passBytes += size;
                ByteBuf previous = openLast;
                openLast = fragment; // in the open group before anything else can fail, so a failure settles it
                if (previous != null) {
                    unflushed = true;
                    channel.write(previous, channel.voidPromise());
                }
                if (openGroup.bytes >= groupBytes) {
                    endGroup(); // written now, flushed with the pass
                }
            } else {
                ((Marker) entry).takenBy(this); // the queue holds only fragments and markers
            }
        }
        // Counted before the flush below hands the last bytes to the client, who may then read the counters.
        metrics.drainPass(passFragments, passBytes);
        passFragments = 0; // zero from here, so a failure in the flush below counts nothing twice
        passBytes = 0;
        endPass();
        stampWanted = true; // the next pass is timed from the first offer after this one (or earlier)
        if (closed) { // close() ran re-entrantly during this pass and, seeing the flag held, left the discard to us
            discardQueued();
            releaseDrainFlag();
        } else if (queue.isEmpty()) {
            releaseDrainFlag();
        } else if (!channel.isWritable()) {
            // Checked after the flush, which may have emptied the outbound buffer and already fired the
            // writability event. Unwritable now means a later event will come and find us parked.
            parked = true;
        } else {
            submitDrain(); // budget spent: yield to other channels, keep the flag
        }
    }

    /** Ends the open group (if any) and flushes once what the pass wrote. */
    private void endPass() {
        endGroup();
        if (unflushed) {
            unflushed = false;
            channel.flush();
        }
    }

    /**
     * Writes the open group's last fragment with a real promise (one listener per group), not flushed yet. From
     * here the group's listener returns its bytes, so the open group is handed over before the write.
     */
    private void endGroup() {
        Group group = openGroup;
        ByteBuf last = openLast;
        if (last == null) {
            return;
        }
        ChannelPromise promise = channel.newPromise();
        promise.addListener(group);
        inFlight.add(group);
        openGroup = null; // handed over: the promise's listener returns the group from here on
        openLast = null;
        unflushed = true;
        channel.write(last, promise);
    }

    /** Lets go of the drain flag, then re-checks so a fragment enqueued meanwhile is not stranded. */
    private void releaseDrainFlag() {
        drainScheduled.set(false);
        if (!queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            submitDrain();
        }
    }

    /** Releases every queued fragment and drops markers. Only the holder of the drain flag calls it. */
    private void discardQueued() {
        int fragments = 0;
        long bytes = 0;
        Object entry;
        while ((entry = queue.poll()) != null) {
            if (entry instanceof ByteBuf fragment) {
                int size = fragment.readableBytes();
                fragment.release();
                returnDepth(size, 1);
                fragments++;
                bytes += size;
            }
        }
        countOffered(fragments, bytes);
    }

    /** Event loop: the channel became writable (or not). Restarts a drain parked on writability. */
    void onWritabilityChanged() {
        if (parked && channel.isWritable()) {
            parked = false;
            drain();
        }
    }

    /**
     * Event loop, when the channel goes inactive: releases everything queued; later offers answer CLOSED; paused
     * producers are resumed once so they hear it. Bytes already written to the channel are released by Netty,
     * and their pass listeners return them to the budgets.
     */
    void close() {
        closed = true;
        global.forget(this);
        if (parked) {
            parked = false; // we already hold the flag
            drain();
        } else if (drainScheduled.compareAndSet(false, true)) {
            drain();
        } // else a drain task is pending: it will see `closed` and discard
        checkResume();
    }

    /**
     * Closes the spool and its connection from any thread: on the event loop if it still runs, else (the loop
     * is gone) by releasing what is queued here, so no buffer and no budget outlives the loop.
     */
    void closeFromAnyThread() {
        try {
            loop.execute(() -> {
                close();
                channel.close();
            });
        } catch (RejectedExecutionException loopGone) {
            global.forget(this);
            discardWhenLoopGone();
            channel.close();
        }
    }

    /** A stream's end-of-stream callback threw: the connection's state is unknown, so it is closed. */
    private void runCompletion(Runnable onLoop) {
        try {
            onLoop.run();
        } catch (Throwable t) {
            metrics.failure("completion");
            log.warn("end-of-stream callback failed on {}; closing the connection", channel, t);
            channel.close();
        }
    }

    /** The executor refused a resume: let the producer release what it holds, and count it. */
    private void abandon(ResumeCallback resume) {
        metrics.failure("resume");
        try {
            resume.abandoned();
        } catch (Throwable t) {
            log.warn("abandoned producer failed to clean up on {}", channel, t);
        }
        channel.close();
    }

    /** Counts a producer's failure (see {@link SpoolMetrics#failure}); any thread. */
    public void producerFailed() {
        metrics.failure("producer");
    }

    // ---- entries -------------------------------------------------------------------------------------

    /** Queue entries that are not fragments (a fragment is queued as its {@link ByteBuf}, with no wrapper). */
    private sealed interface Marker permits Finish, Stamp {
        /** What the drain does on taking this marker off the queue (each kind says it: no default case). */
        void takenBy(ConnectionSpool spool);
    }

    /** The end of a stream: run {@code onLoop} once everything before it is written and flushed. */
    private record Finish(Runnable onLoop) implements Marker {
        @Override
        public void takenBy(ConnectionSpool spool) {
            spool.endPass();
            spool.runCompletion(onLoop);
        }
    }

    /** The time of an offer, taken just before its fragment was queued: a lower bound for what follows it. */
    private record Stamp(long nanos) implements Marker {
        @Override
        public void takenBy(ConnectionSpool spool) {
            spool.lastStampNanos = nanos;
        }
    }

    /**
     * The fragments of one drain pass, or of a part of at least {@link #groupBytes} of a long one, returned to the
     * budgets together when the socket has taken the group's last fragment: Netty completes writes in order, so
     * that means all of them.
     */
    private final class Group implements ChannelFutureListener {
        /** The last stamp before the group's first fragment (a group is made before it has one). */
        private long oldestOfferNanos;
        private long bytes;
        private int fragments;

        void add(int size, long lastStampNanos) {
            if (fragments == 0) {
                oldestOfferNanos = lastStampNanos;
            }
            bytes += size;
            fragments++;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            inFlight.poll(); // this group: they complete in order
            Group next = inFlight.peek();
            long now = System.nanoTime();
            oldestPendingNanos = next != null ? next.oldestOfferNanos : now;
            onTaken(future.isSuccess(), bytes, fragments, oldestOfferNanos, now);
        }
    }
}
