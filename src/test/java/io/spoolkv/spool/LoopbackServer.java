package io.spoolkv.spool;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Netty server on loopback whose child pipelines start with the spool handler. Child channels use the
 * unpooled allocator so a released buffer stays at refCnt 0 (pooled ones are recycled), which lets tests
 * check every buffer was released.
 */
final class LoopbackServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();

    LoopbackServer(SpoolService service, ChannelHandler headHandler, int lowWatermark, int highWatermark,
                   int sendBuffer) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(lowWatermark, highWatermark))
                .childOption(ChannelOption.SO_SNDBUF, sendBuffer)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (headHandler != null) {
                            ch.pipeline().addFirst(headHandler);
                        }
                        ch.pipeline().addFirst(service.channelHandler());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                accepted.add(ctx.channel());
                                ctx.fireChannelActive();
                            }
                        });
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    /** A plain blocking client socket with a small receive buffer, so a client that stops reading is felt soon. */
    Socket connect(int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(server.localAddress());
        socket.setSoTimeout(10_000);
        return socket;
    }

    Channel accept() throws InterruptedException {
        Channel ch = accepted.poll(5, TimeUnit.SECONDS);
        if (ch == null) {
            throw new AssertionError("no connection accepted");
        }
        return ch;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }
}
