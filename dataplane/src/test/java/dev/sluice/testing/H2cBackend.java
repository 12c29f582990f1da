package dev.sluice.testing;

import dev.sluice.dataplane.snapshot.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import javax.net.ssl.SSLException;

/**
 * An HTTP/2 cleartext (prior knowledge) backend on loopback. Every stream is answered with status
 * 200 and the body {@code path=<:path> bytes=<request body length> crc32=<its CRC-32>}; the request
 * header {@code x-echo} comes back as {@code x-echo}, and {@code x-conn} names the TCP connection
 * (1, 2, ...) the stream came on. {@code ?delayMs=N} delays the answer. It counts TCP connections
 * and streams, and can send GOAWAY on all connections. {@link #startTls} serves the same over TLS
 * with ALPN h2.
 */
public final class H2cBackend implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final AtomicInteger streamCount = new AtomicInteger();
  private final Channel server;

  private H2cBackend(Long maxConcurrentStreams, SslContext tls) throws InterruptedException {
    Http2Settings settings = Http2Settings.defaultSettings();
    if (maxConcurrentStreams != null) {
      settings.maxConcurrentStreams(maxConcurrentStreams);
    }
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    int id = connectionCount.incrementAndGet();
                    connections.add(ch);
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
                    ch.pipeline()
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInitializer<>() {
                                  @Override
                                  protected void initChannel(Channel stream) {
                                    streamCount.incrementAndGet();
                                    stream.pipeline().addLast(new StreamHandler(id));
                                  }
                                }));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  public static H2cBackend start() {
    return start(null);
  }

  /** A backend announcing SETTINGS_MAX_CONCURRENT_STREAMS (null: no limit announced). */
  public static H2cBackend start(Long maxConcurrentStreams) {
    try {
      return new H2cBackend(maxConcurrentStreams, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The same backend over TLS with {@code certificate}, selecting {@code h2} in ALPN (h2 over TLS,
   * RFC 9113 3.2); a client that does not offer h2 fails the handshake.
   */
  public static H2cBackend startTls(TestCa.Issued certificate) {
    try {
      SslContext context =
          SslContextBuilder.forServer(
                  new ByteArrayInputStream(certificate.chainPem().getBytes(StandardCharsets.US_ASCII)),
                  new ByteArrayInputStream(certificate.keyPem().getBytes(StandardCharsets.US_ASCII)))
              .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
              .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
              .applicationProtocolConfig(
                  new ApplicationProtocolConfig(
                      Protocol.ALPN,
                      SelectorFailureBehavior.NO_ADVERTISE,
                      SelectedListenerFailureBehavior.ACCEPT,
                      ApplicationProtocolNames.HTTP_2))
              .build();
      return new H2cBackend(null, context);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", port());
  }

  public int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  /** TCP connections accepted so far. */
  public int connections() {
    return connectionCount.get();
  }

  /** Streams opened so far. */
  public int streams() {
    return streamCount.get();
  }

  /** GOAWAY (NO_ERROR) on every open connection: streams in flight finish, no new ones. */
  public void goAway() {
    for (Channel ch : connections) {
      ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    }
  }

  /** Closes every open connection at once (no GOAWAY): a backend that crashed. */
  public void dropConnections() {
    connections.close().syncUninterruptibly();
  }

  /** Connections currently open. */
  public int openConnections() {
    return connections.size();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class StreamHandler extends ChannelInboundHandlerAdapter {
    private final int connection;
    private final CRC32 crc = new CRC32();
    private long bytes;
    private Http2Headers request;

    StreamHandler(int connection) {
      this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        boolean end = false;
        if (msg instanceof Http2HeadersFrame h) {
          if (request == null) {
            request = h.headers();
          }
          end = h.isEndStream();
        } else if (msg instanceof Http2DataFrame d) {
          ByteBuf buf = d.content();
          bytes += buf.readableBytes();
          crc.update(buf.nioBuffer());
          end = d.isEndStream();
        }
        if (end) {
          respond(ctx);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void respond(ChannelHandlerContext ctx) {
      String path = String.valueOf(request.path());
      long delay = 0;
      int q = path.indexOf("delayMs=");
      if (q >= 0) {
        delay = Long.parseLong(path.substring(q + 8).split("&")[0]);
      }
      Runnable send =
          () -> {
            byte[] body =
                ("path=" + path + " bytes=" + bytes + " crc32=" + crc.getValue())
                    .getBytes(StandardCharsets.UTF_8);
            Http2Headers headers = new DefaultHttp2Headers().status("200");
            headers.set("x-conn", Integer.toString(connection));
            headers.setInt("content-length", body.length);
            CharSequence echo = request.get("x-echo");
            if (echo != null) {
              headers.set("x-echo", echo);
            }
            CharSequence te = request.get("transfer-encoding");
            if (te != null) {
              headers.set("x-saw-transfer-encoding", te); // must never happen on h2
            }
            ctx.write(new DefaultHttp2HeadersFrame(headers));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
          };
      if (delay > 0) {
        ctx.executor().schedule(send, delay, TimeUnit.MILLISECONDS);
      } else {
        send.run();
      }
    }
  }
}
