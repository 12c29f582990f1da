package dev.sluice.dataplane.server;

import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O handler and channel types of one {@link Transport}, resolved once at start.
 *
 * @param name what the log says runs
 * @param ioHandlerFactory for {@code MultiThreadIoEventLoopGroup}
 * @param serverChannels listening sockets
 * @param clientChannels upstream connections (same transport, same loops)
 */
record TransportSupport(
    String name,
    IoHandlerFactory ioHandlerFactory,
    ChannelFactory<? extends ServerChannel> serverChannels,
    ChannelFactory<? extends SocketChannel> clientChannels) {

  /**
   * AUTO is epoll where the native library loads, else NIO. An explicit native transport that does
   * not load is an error naming the reason, not a silent fallback.
   */
  static TransportSupport select(Transport transport) {
    return switch (transport) {
      case AUTO -> Epoll.isAvailable() ? epoll() : nio();
      case EPOLL -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException(
              "transport EPOLL requested but unavailable: " + Epoll.unavailabilityCause());
        }
        yield epoll();
      }
      case IO_URING -> IoUringSupport.load();
      case NIO -> nio();
    };
  }

  private static TransportSupport epoll() {
    return new TransportSupport(
        "epoll",
        EpollIoHandler.newFactory(),
        EpollServerSocketChannel::new,
        EpollSocketChannel::new);
  }

  private static TransportSupport nio() {
    return new TransportSupport(
        "nio", NioIoHandler.newFactory(), NioServerSocketChannel::new, NioSocketChannel::new);
  }
}
