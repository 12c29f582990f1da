package dev.sluice.dataplane.passthrough;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * A Netty backend on loopback for passthrough tests: optionally parses a PROXY header with Netty's
 * own decoder, optionally terminates TLS with its own certificate, then runs an application.
 */
final class TestBackend implements AutoCloseable {
  /** What the backend saw in the PROXY header of one connection. */
  record Seen(String version, String protocol, String src, int srcPort, String dst, int dstPort) {}

  final LinkedBlockingQueue<Seen> headers = new LinkedBlockingQueue<>();
  private final Channel server;

  private TestBackend(
      EventLoopGroup group, boolean proxyHeader, SelfSignedTls tls, Supplier<ChannelHandler> app)
      throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (proxyHeader) {
                      ch.pipeline().addLast(new HAProxyMessageDecoder(), new HeaderCapture());
                    }
                    if (tls != null) {
                      ch.pipeline().addLast(tls.serverContext.newHandler(ch.alloc()));
                    }
                    ch.pipeline().addLast(app.get());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  static TestBackend echo(EventLoopGroup g, boolean proxyHeader) throws InterruptedException {
    return new TestBackend(g, proxyHeader, null, Echo::new);
  }

  static TestBackend tlsEcho(EventLoopGroup g, SelfSignedTls tls) throws InterruptedException {
    return new TestBackend(g, false, tls, Echo::new);
  }

  /** Sends {@code bytes} pseudo-random bytes, then after the client's FIN the SHA-256 it read. */
  static TestBackend digest(EventLoopGroup g, int bytes) throws InterruptedException {
    return new TestBackend(g, false, null, () -> new Digest(bytes, 0));
  }

  /** Like {@link #digest(EventLoopGroup, int)}, but reads nothing for the first {@code stallMs}. */
  static TestBackend slowDigest(EventLoopGroup g, int bytes, long stallMs)
      throws InterruptedException {
    return new TestBackend(g, false, null, () -> new Digest(bytes, stallMs));
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.close().sync();
  }

  static byte[] randomBytes(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] b, int off, int len) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(b, off, len);
    return HexFormat.of().formatHex(md.digest());
  }

  private final class HeaderCapture extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage m) {
        headers.add(
            new Seen(
                m.protocolVersion().name(),
                m.proxiedProtocol().name(),
                m.sourceAddress(),
                m.sourcePort(),
                m.destinationAddress(),
                m.destinationPort()));
        m.release();
        ctx.pipeline().remove(this);
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.close();
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final class Digest extends ChannelInboundHandlerAdapter {
    static final long SEED = 42;
    private final int bytes;
    private final long stallMs;
    private final MessageDigest md;

    Digest(int bytes, long stallMs) {
      this.bytes = bytes;
      this.stallMs = stallMs;
      try {
        md = MessageDigest.getInstance("SHA-256");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (stallMs > 0) {
        // Let the client's bytes and its FIN pile up in the relay's socket buffers.
        ctx.channel().config().setAutoRead(false);
        ctx.executor()
            .schedule(
                () -> ctx.channel().config().setAutoRead(true),
                stallMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      ctx.writeAndFlush(Unpooled.wrappedBuffer(randomBytes(SEED, bytes)));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      md.update(b.nioBuffer());
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        String hex = HexFormat.of().formatHex(md.digest()) + "\n";
        ctx.writeAndFlush(Unpooled.copiedBuffer(hex, CharsetUtil.US_ASCII))
            .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
