package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor;
import dev.sluice.dataplane.routing.Balancer;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/**
 * Stands in for the HTTPS listener: accepts, optionally reads a PROXY header, holds the first bytes
 * the client sends (as the ClientHello sniffer does), then starts the relay and hands them over.
 */
final class RelayServer implements AutoCloseable {

  /** Transport under test; the relay's upstream channel follows the downstream's. */
  enum Mode {
    EPOLL(true),
    NIO(false);

    final boolean epoll;

    Mode(boolean epoll) {
      this.epoll = epoll;
    }
  }

  final EventLoopGroup group;
  private final Channel server;

  RelayServer(
      Mode mode,
      PassthroughRelay relay,
      PassthroughRoute route,
      Balancer balancer,
      ProxyProtocolAcceptor acceptor)
      throws InterruptedException {
    group =
        new MultiThreadIoEventLoopGroup(
            1, mode.epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    server =
        new ServerBootstrap()
            .group(group)
            .channel(mode.epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    PassthroughRelay.prepare(ch);
                    if (acceptor != null) {
                      ch.pipeline().addLast(ProxyProtocolAcceptor.NAME, acceptor);
                    }
                    ch.pipeline().addLast("sniffer", new HoldFirstRead(relay, route, balancer));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class HoldFirstRead extends ChannelInboundHandlerAdapter {
    private final PassthroughRelay relay;
    private final PassthroughRoute route;
    private final Balancer balancer;

    HoldFirstRead(PassthroughRelay relay, PassthroughRoute route, Balancer balancer) {
      this.relay = relay;
      this.route = route;
      this.balancer = balancer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      relay.start(ctx.channel(), route, balancer);
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }
  }
}
