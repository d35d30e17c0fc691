package io.spoolkv.spool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.RejectedExecutionException;

/**
 * The benchmark baseline ({@code spoolkv.spool.mode=direct}): every fragment is a
 * {@code channel.writeAndFlush} from the producer's thread, as plain Netty allows, so Netty hops it to the event
 * loop as one task, one wakeup and one syscall per fragment. The spool's accounting, watermarks and resumes stay
 * the same, so benchmarks compare only the write path. Not for production.
 */
final class DirectDelivery implements Delivery {

    private final Channel channel;
    private final ConnectionSpool spool;

    DirectDelivery(Channel channel, ConnectionSpool spool) {
        this.channel = channel;
        this.spool = spool;
    }

    @Override
    public void deliver(ByteBuf fragment, int size) {
        long offeredNanos = System.nanoTime();
        spool.countOffered(1, size);
        channel.writeAndFlush(fragment).addListener((ChannelFutureListener) f ->
                spool.onTaken(f.isSuccess(), size, 1, offeredNanos, System.nanoTime()));
    }

    @Override
    public OfferResult finish(Runnable onLoop) {
        // Event-loop tasks run in submission order, so this runs after the write tasks offered before it.
        try {
            channel.eventLoop().execute(onLoop);
            return OfferResult.ACCEPTED;
        } catch (RejectedExecutionException loopGone) {
            return OfferResult.CLOSED;
        }
    }
}
