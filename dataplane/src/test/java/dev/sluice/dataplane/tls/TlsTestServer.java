package dev.sluice.dataplane.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A real Netty server on loopback port 0 whose pipeline the test builds. */
final class TlsTestServer implements AutoCloseable {

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  TlsTestServer(Consumer<SocketChannel> init) throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    init.accept(ch);
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
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

  /**
   * After the handshake, writes one line "protocol cipher alpn" and closes; put it after the
   * SslHandler.
   */
  static final class Report extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent e) {
        if (e.isSuccess()) {
          SslHandler ssl = ctx.pipeline().get(SslHandler.class);
          String line = ssl.engine().getSession().getProtocol() + " "
              + ssl.engine().getSession().getCipherSuite() + " "
              + ssl.applicationProtocol() + "\n";
          ctx.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII))
              .addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.close();
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // failed handshakes are what some tests want
    }
  }

  /** What a JDK SSLSocket client saw: the report line and the server's leaf certificate. */
  record Seen(String line, java.security.cert.X509Certificate leaf) {}

  static Seen connect(SSLContext client, int port, String sni, String[] protocols, String[] ciphers,
      String... alpn) throws Exception {
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(sni == null ? java.util.List.of() : java.util.List.of(new SNIHostName(sni)));
      if (protocols != null) {
        p.setProtocols(protocols);
      }
      if (ciphers != null) {
        p.setCipherSuites(ciphers);
      }
      if (alpn.length > 0) {
        p.setApplicationProtocols(alpn);
      }
      s.setSSLParameters(p);
      s.startHandshake();
      var leaf = (java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0];
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return new Seen(line, leaf);
    }
  }
}
