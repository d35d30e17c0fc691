package io.spoolkv.spool;

import io.netty.buffer.ByteBuf;

/**
 * How a {@link ConnectionSpool} gets fragments it has accepted (and counted) to its channel. The spool's own
 * queue and drain is the one used in production; {@link DirectDelivery} is the benchmark baseline. Keeping the
 * baseline behind this seam keeps it out of the spooled path.
 */
interface Delivery {

    /** Hands over an accepted fragment; any thread. The delivery owns it from here on. */
    void deliver(ByteBuf fragment, int size);

    /**
     * Runs {@code onLoop} on the event loop after every fragment delivered before it went to the channel.
     *
     * @return CLOSED when that can no longer happen (the loop is gone), else ACCEPTED
     */
    OfferResult finish(Runnable onLoop);
}
