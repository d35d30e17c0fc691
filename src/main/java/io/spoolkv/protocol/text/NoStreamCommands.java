package io.spoolkv.protocol.text;

import io.netty.channel.ChannelHandlerContext;

/** TEMPORARY until the spool lands: background commands are refused. */
final class NoStreamCommands implements StreamCommands {
    @Override
    public Started start(ChannelHandlerContext ctx, int clientId, TextRequest request, Runnable onFinished) {
        return Started.reply(TextResponse.Line.ERROR);
    }
}
