package io.spoolkv.spool;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Restarts a spool's drain when its channel becomes writable again. {@link SpoolService#spoolOf} puts it first in
 * the pipeline of a channel that gets a spool, so it sees the events before any handler that might swallow them.
 * Stateless, hence shared by all channels.
 */
@ChannelHandler.Sharable
public final class SpoolChannelHandler extends ChannelInboundHandlerAdapter {

    private final SpoolService service;

    SpoolChannelHandler(SpoolService service) {
        this.service = service;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ConnectionSpool spool = service.existingSpoolOf(ctx.channel());
        if (spool != null) {
            spool.onWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
