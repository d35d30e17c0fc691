package io.spoolkv.spool;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on the bytes of all spools together, and the spools waiting for it to make room.
 *
 * <p>Reservations are taken at offer time and returned when the socket has taken the bytes (or the spool
 * closed), exactly like a spool's own depth, so the two bounds account the same bytes.
 */
final class GlobalBudget {

    private final long cap;
    /** Room a paused producer needs before it is resumed: hysteresis, so it does not bounce off the cap. */
    private final long resumeHeadroom;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong fragments = new AtomicLong();
    /** Spools with a paused producer that also needs global room. Each spool is in here at most once. */
    private final Queue<ConnectionSpool> waiters = new ConcurrentLinkedQueue<>();

    GlobalBudget(long cap, long resumeHeadroom) {
        this.cap = cap;
        this.resumeHeadroom = resumeHeadroom;
    }

    /**
     * Reserves {@code size} bytes unless that takes the total past the cap. When nothing at all is reserved the
     * reservation always succeeds, so a fragment larger than the cap cannot wait for ever.
     *
     * <p>A droppable reservation (a watch line: refused means lost, never paused) must also leave the resume
     * headroom free. Paused producers wait for exactly that headroom, so however many watchers fill the cap,
     * room for a paused producer appears as soon as the other pausable output drains: watchers cannot starve
     * it.
     */
    boolean tryReserve(long size, boolean droppable) {
        long limit = droppable ? cap - resumeHeadroom : cap;
        for (;;) {
            long total = bytes.get();
            if (total > 0 && total + size > limit) {
                return false;
            }
            if (bytes.compareAndSet(total, total + size)) {
                fragments.incrementAndGet();
                return true;
            }
        }
    }

    /** Reserves past the cap: a stream's last line (see {@code ConnectionSpool.finish(ByteBuf, Runnable)}). */
    void forceReserve(long size) {
        bytes.addAndGet(size);
        fragments.incrementAndGet();
    }

    /** A closed spool leaves the waiters at once, so it neither holds memory here nor delays other waiters. */
    void forget(ConnectionSpool spool) {
        if (waiters.remove(spool)) {
            spool.clearAwaitingGlobalRoom();
        }
    }

    /** Returns bytes the socket took (or a closed spool dropped) and resumes the spools waiting for room. */
    void release(long size, long fragmentCount) {
        long total = bytes.addAndGet(-size);
        fragments.addAndGet(-fragmentCount);
        // Dekker pair with awaitRoom: we publish the smaller total, then look for waiters; a waiter publishes
        // itself, then looks at the total. Both are sequentially consistent, so one of us sees the other.
        if (!waiters.isEmpty() && hasRoomFor(total, 0)) {
            wakeWaiters();
        }
    }

    /** True when a producer whose offer of {@code blockedSize} bytes was refused may usefully retry. */
    boolean hasRoomFor(long blockedSize) {
        return hasRoomFor(bytes.get(), blockedSize);
    }

    private boolean hasRoomFor(long total, long blockedSize) {
        return total == 0 || total + Math.max(resumeHeadroom, blockedSize) <= cap;
    }

    /**
     * Registers the spool to be re-checked when room appears, then re-checks (no lost wakeup).
     *
     * @return true when there is room already; the caller resumes its producer itself
     */
    boolean awaitRoom(ConnectionSpool spool, long blockedSize) {
        if (spool.markAwaitingGlobalRoom()) {
            waiters.add(spool);
            if (spool.isClosed()) {
                forget(spool); // its close() ran forget() just before we added it
            }
        }
        return hasRoomFor(blockedSize);
    }

    private void wakeWaiters() {
        // Take only the spools queued now: a spool that still finds no room re-queues itself, and must not
        // be visited again by this same call.
        for (int n = waiters.size(); n > 0; n--) {
            ConnectionSpool spool = waiters.poll();
            if (spool == null) {
                return;
            }
            spool.clearAwaitingGlobalRoom();
            spool.checkResume();
        }
    }

    int waiters() {
        return waiters.size();
    }

    long bytes() {
        return bytes.get();
    }

    long fragments() {
        return fragments.get();
    }

    long cap() {
        return cap;
    }
}
