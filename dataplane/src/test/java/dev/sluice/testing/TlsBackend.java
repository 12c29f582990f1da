package dev.sluice.testing;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTPS server on 127.0.0.1 that terminates TLS with its own certificate: the far end of a
 * passthrough route. Optionally reads a PROXY protocol header first (Netty's {@link
 * HAProxyMessageDecoder}) and records what it carried. Answers every request with {@code 200} and
 * {@code backend=NAME}.
 */
public final class TlsBackend implements AutoCloseable {
  /** What one connection's PROXY header said. */
  public record ProxyHeader(
      String version, String protocol, String source, int sourcePort, String destination,
      int destinationPort) {}

  private final String name;
  private final EventLoopGroup group;
  private final Channel listener;
  private final LinkedBlockingQueue<ProxyHeader> headers = new LinkedBlockingQueue<>();

  private TlsBackend(String name, Certificate certificate, boolean proxyProtocol)
      throws InterruptedException {
    this.name = name;
    SslContext tls = TestCa.serverContext(certificate);
    group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("tls-backend-" + name), NioIoHandler.newFactory());
    try {
      listener =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      if (proxyProtocol) {
                        ch.pipeline().addLast(new HAProxyMessageDecoder(), new HeaderCapture());
                      }
                      ch.pipeline()
                          .addLast(tls.newHandler(ch.alloc()))
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(1 << 16))
                          .addLast(new Answer());
                    }
                  })
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** A backend serving {@code certificate}, reading a PROXY header when {@code proxyProtocol}. */
  public static TlsBackend start(String name, Certificate certificate, boolean proxyProtocol) {
    try {
      return new TlsBackend(name, certificate, proxyProtocol);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", port());
  }

  /** The next PROXY header received, waiting up to 5 s; {@code null} if none came. */
  public ProxyHeader nextProxyHeader() throws InterruptedException {
    return headers.poll(5, TimeUnit.SECONDS);
  }

  /** Forgets the headers received so far. */
  public void clearProxyHeaders() {
    headers.clear();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class HeaderCapture extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage m) {
        headers.add(
            new ProxyHeader(
                m.protocolVersion().name(), m.proxiedProtocol().name(), m.sourceAddress(),
                m.sourcePort(), m.destinationAddress(), m.destinationPort()));
        m.release();
        ctx.pipeline().remove(this);
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      ByteBuf body = Unpooled.copiedBuffer("backend=" + name + "\n", CharsetUtil.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpUtil.setKeepAlive(r, keepAlive);
      var f = ctx.writeAndFlush(r);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
