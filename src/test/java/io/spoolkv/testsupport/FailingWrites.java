package io.spoolkv.testsupport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * Put first in a pipeline, it fails every write as a broken socket would (the message is released, the promise
 * failed), so a handler's exceptionCaught path can be tested on an {@link io.netty.channel.embedded.EmbeddedChannel}.
 */
public final class FailingWrites extends ChannelOutboundHandlerAdapter {

    private int failed;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        failed++;
        promise.setFailure(new IOException("broken pipe (test)"));
    }

    /** Writes failed so far. */
    public int failed() {
        return failed;
    }
}
