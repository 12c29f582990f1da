package dev.sluice.dataplane.h2;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A frame-level HTTP/2 client over TLS (ALPN h2) built on Netty's client {@link
 * io.netty.handler.codec.http2.Http2FrameCodec}: it can send what well-behaved clients never do
 * (rapid resets, conflicting {@code host}) and shows the response headers exactly as they were on
 * the wire. Frames are written on the client's event loop.
 */
final class H2FrameClient implements AutoCloseable {
  /** What came back on one stream. */
  static final class Answer {
    final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();
    final StringBuilder body = new StringBuilder();
    final CompletableFuture<Object> end = new CompletableFuture<>(); // body string, or reset code
  }

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Frames frames = new Frames();
  private final Map<Integer, Answer> answers = new ConcurrentHashMap<>();
  final CompletableFuture<GoAway> goAway = new CompletableFuture<>();

  record GoAway(long errorCode, int lastStreamId) {}
  final Channel channel;

  H2FrameClient(int port) throws Exception {
    SslContext tls =
        SslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2))
            .build();
    channel =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(tls.newHandler(ch.alloc(), "localhost", port))
                        .addLast(
                            // sends what the server announced it will not take: a hostile client
                            Http2FrameCodecBuilder.forClient().encoderIgnoreMaxHeaderListSize(true).build())
                        .addLast(frames);
                  }
                })
            .connect("127.0.0.1", port)
            .sync()
            .channel();
  }

  static Http2Headers get(int port, String path) {
    return new DefaultHttp2Headers()
        .method("GET")
        .scheme("https")
        .authority("localhost:" + port)
        .path(path);
  }

  /** Sends a request without body on a new stream. */
  Answer send(Http2Headers headers) throws Exception {
    Answer answer = new Answer();
    onLoop(
        ctx -> {
          Http2FrameStream stream = frames.newStream();
          ctx.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream));
          answers.put(stream.id(), answer); // the id is assigned as the frame passes the codec
          ctx.flush();
        });
    return answer;
  }

  /** Opens {@code n} streams and resets each right away, all in one flush: a rapid reset. */
  void rapidReset(Http2Headers headers, int n) throws Exception {
    onLoop(
        ctx -> {
          for (int i = 0; i < n; i++) {
            Http2FrameStream stream = frames.newStream();
            ctx.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream));
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
          }
          ctx.flush();
        });
  }

  private void onLoop(Consumer<ChannelHandlerContext> task) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel.eventLoop().execute(() -> {
      try {
        task.accept(frames.ctx);
        done.complete(null);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    done.get(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Frames extends Http2ChannelDuplexHandler {
    ChannelHandlerContext ctx;

    @Override
    protected void handlerAdded0(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2GoAwayFrame g) {
          goAway.complete(new GoAway(g.errorCode(), g.lastStreamId()));
        } else if (msg instanceof Http2HeadersFrame h && answer(h.stream()) != null) {
          Answer a = answer(h.stream());
          if (!a.headers.isDone()) {
            a.headers.complete(h.headers());
          }
          if (h.isEndStream()) {
            a.end.complete(a.body.toString());
          }
        } else if (msg instanceof Http2DataFrame d && answer(d.stream()) != null) {
          Answer a = answer(d.stream());
          a.body.append(d.content().toString(StandardCharsets.UTF_8));
          if (d.isEndStream()) {
            a.end.complete(a.body.toString());
          }
        } else if (msg instanceof Http2ResetFrame r && answer(r.stream()) != null) {
          answer(r.stream()).end.complete(Http2Error.valueOf(r.errorCode()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private Answer answer(Http2FrameStream stream) {
      return stream == null ? null : answers.get(stream.id());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      goAway.completeExceptionally(new IllegalStateException("closed without GOAWAY"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
