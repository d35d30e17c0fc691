package io.spoolkv.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.spoolkv.command.ConnectionListener;
import io.spoolkv.command.ConnectionListener.CloseReason;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.protocol.binary.BinaryRequest;
import io.spoolkv.protocol.text.TextRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Reports a connection's open and close to the {@link ConnectionListener}, with memcached's close
 * reason. Sits between the decoder and the command handler, so it sees the requests that decide
 * the reason and every close the handler asks for: the client's end of stream (or half-close) or
 * quit is "normal", a shutdown drain is "shutdown", a close after an idle event with no request
 * since is "idle_timeout", and any other close by the server (a request that closes the
 * connection, a failure, a stuck spool) is "error".
 */
final class ConnectionEventsHandler extends ChannelDuplexHandler {

    private final ConnectionListener listener;
    private final int clientId;
    private CloseReason reason;
    /** the client sent quit or shut its side down: the server's close that follows is normal */
    private boolean clientDone;
    /** an idle event came and no request since */
    private boolean idle;

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
        idle = false;
        if (msg instanceof TextRequest.Quit quit) {
            // an HTTP request line closes like quit, but memcached reports it as an error close
            if (quit.protocolError()) {
                decide(CloseReason.ERROR);
            } else {
                clientDone = true;
            }
        } else if (msg instanceof TextRequest.Invalid invalid && invalid.close()) {
            decide(CloseReason.ERROR);
        } else if (msg instanceof BinaryRequest b && b.isQuit()) {
            clientDone = true;
        } else if (msg instanceof BinaryRequest.Malformed || msg instanceof BinaryRequest.BadMagic) {
            decide(CloseReason.ERROR);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof DrainConnection) {
            decide(CloseReason.SHUTDOWN);
        } else if (evt == ChannelInputShutdownEvent.INSTANCE) {
            clientDone = true;
        } else if (evt instanceof IdleStateEvent) {
            idle = true;
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
        decide(clientDone ? CloseReason.NORMAL : idle ? CloseReason.IDLE_TIMEOUT : CloseReason.ERROR);
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
