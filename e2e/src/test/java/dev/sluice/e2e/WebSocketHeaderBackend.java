package dev.sluice.e2e;

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
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket app behind the JWT gateway (Netty, in the test JVM, on 127.0.0.1 and an ephemeral
 * port). On {@code /ws} it accepts the upgrade, first sends {@code x-user=<values>} (the {@code
 * X-User} header values it got on the upgrade request, comma-joined; empty when none), then
 * answers every text frame {@code t} with {@code echo:t}. Any other request is answered 200 with
 * the same {@code x-user=...} line. Every request head it receives is recorded ({@link
 * #requests()}), so a test can show that a refused client never reached it. Thread safety: the
 * record is a copy-on-write list; the rest runs on the backend's own event loop.
 */
final class WebSocketHeaderBackend implements AutoCloseable {
  /** One request head as the backend received it. */
  record Seen(String uri, boolean upgrade, List<String> xUser) {}

  private final EventLoopGroup group;
  private final Channel listener;
  private final List<Seen> requests = new CopyOnWriteArrayList<>();

  private WebSocketHeaderBackend() throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(
        1, new DefaultThreadFactory("ws-backend"), NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(64 * 1024))
                .addLast(new Recorder())
                .addLast(new WebSocketServerProtocolHandler("/ws"))
                .addLast(new App());
          }
        });
    try {
      listener = b.bind("127.0.0.1", 0).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  static WebSocketHeaderBackend start() throws InterruptedException {
    return new WebSocketHeaderBackend();
  }

  int port() {
    return ((java.net.InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Every request head received so far, in order. */
  List<Seen> requests() {
    return List.copyOf(requests);
  }

  static String xUserLine(HttpHeaders headers) {
    return "x-user=" + String.join(",", headers.getAll("X-User"));
  }

  /** Notes each request head, then passes it on untouched. */
  private final class Recorder extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest req) {
        requests.add(new Seen(req.uri(), req.headers().contains(HttpHeaderNames.UPGRADE),
            List.copyOf(req.headers().getAll("X-User"))));
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** After the handshake: greets with the upgrade's X-User, then echoes; plain HTTP: one line. */
  private static final class App extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
        ctx.writeAndFlush(new TextWebSocketFrame(xUserLine(done.requestHeaders())));
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof TextWebSocketFrame text) {
          ctx.writeAndFlush(new TextWebSocketFrame("echo:" + text.text()));
        } else if (msg instanceof FullHttpRequest req) {
          FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK,
              Unpooled.copiedBuffer(xUserLine(req.headers()), StandardCharsets.UTF_8));
          res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
              .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
          ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
