package io.spoolkv.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.spoolkv.command.ConnectionListener;
import io.spoolkv.command.ConnectionListener.CloseReason;
import io.spoolkv.protocol.text.DrainConnection;
import io.spoolkv.protocol.text.TextRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Reports a connection's open and close to the {@link ConnectionListener}, with memcached's close
 * reason. Sits between the decoder and the command handler, so it sees the requests that decide
 * the reason and every close the handler asks for: the client's end of stream or quit is
 * "normal", a shutdown drain is "shutdown", and any other close by the server (a request that
 * closes the connection, a failure, a stuck spool) is "error".
 */
final class ConnectionEventsHandler extends ChannelDuplexHandler {

    private final ConnectionListener listener;
    private final int clientId;
    private CloseReason reason;
    private boolean quit;

    ConnectionEventsHandler(ConnectionListener listener, int clientId) {
        this.listener = listener;
        this.clientId = clientId;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        listener.opened(clientId, remote(ctx));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof TextRequest.Quit) {
            quit = true;
        } else if (msg instanceof TextRequest.Invalid invalid && invalid.close()) {
            decide(CloseReason.ERROR);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof DrainConnection) {
            decide(CloseReason.SHUTDOWN);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        decide(CloseReason.ERROR);
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        decide(quit ? CloseReason.NORMAL : CloseReason.ERROR);
        super.close(ctx, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // No close passed here: the client ended the stream.
        listener.closed(clientId, remote(ctx), reason == null ? CloseReason.NORMAL : reason);
        super.channelInactive(ctx);
    }

    /** The first cause wins: a close that follows a shutdown drain or an error keeps that reason. */
    private void decide(CloseReason r) {
        if (reason == null) {
            reason = r;
        }
    }

    private static InetSocketAddress remote(ChannelHandlerContext ctx) {
        SocketAddress address = ctx.channel().remoteAddress();
        return address instanceof InetSocketAddress inet ? inet : null;
    }
}
