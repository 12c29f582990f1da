package dev.sluice.dataplane.upstream;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Multiplexed HTTP/2 connections to upstream endpoints, for the channels of ONE event loop:
 * cleartext (h2c with prior knowledge) or over TLS (h2 selected by ALPN; the TLS handler sits
 * before the frame codec and leases wait until the handshake and the server's SETTINGS are done). A request is a stream on the first connection to its endpoint
 * that has room; a new connection is opened only when all are full (at the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS) or going away. So under steady load each loop keeps one
 * connection per endpoint, whatever the number of requests in flight. A connection without streams
 * is closed after the idle timeout.
 *
 * <p>Thread safety: the pool's event loop only (owned by {@link UpstreamPool}).
 */
final class H2Pool {
  private final Bootstrap bootstrap;
  private final long maxHeaderListSize;
  private final Map<String, List<H2Connection>> connections = new HashMap<>();
  private boolean closed;

  /**
   * @param bootstrap a client bootstrap bound to the pool's loop
   * @param maxHeaderListSize the most response header bytes accepted (as for HTTP/1.1 upstreams)
   */
  H2Pool(Bootstrap bootstrap, long maxHeaderListSize) {
    // connection frames (SETTINGS, PING, GOAWAY, WINDOW_UPDATE) must always be read; per-stream
    // backpressure is the stream channels' business
    this.bootstrap = bootstrap.clone().option(ChannelOption.AUTO_READ, true);
    this.maxHeaderListSize = maxHeaderListSize;
  }

  /**
   * Leases a new stream to {@code endpoint}; {@code fresh} opens a new connection for it. With
   * {@code tls} (an h2 client) connections are TLS and pooled under the client's key, so h2c,
   * HTTP/1.1-over-TLS and h2-over-TLS connections to one address never mix.
   */
  void acquire(
      Endpoint endpoint,
      UpstreamTlsClient tls,
      Duration connectTimeout,
      boolean fresh,
      AcquireCallback callback) {
    if (closed) {
      callback.onAcquireFailed(new ClosedChannelException());
      return;
    }
    if (tls != null && tls.problem() != null) {
      callback.onAcquireFailed(new SSLException("upstream TLS settings unusable: " + tls.problem()));
      return;
    }
    String key =
        tls == null ? "h2c|" + endpoint.authority() : "h2|" + tls.poolKey(endpoint.authority());
    List<H2Connection> list = connections.get(key);
    if (list != null && !fresh) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).tryAcquire(callback)) {
          return;
        }
      }
    }
    H2Connection c = connect(endpoint, tls, key, connectTimeout);
    if (c != null) {
      c.tryAcquire(callback);
    } else {
      callback.onAcquireFailed(new UnknownHostException(endpoint.address()));
    }
  }

  /** A lease that waited on a connection which then could not take it. */
  void reacquire(
      Endpoint endpoint, UpstreamTlsClient tls, Duration connectTimeout, AcquireCallback callback) {
    acquire(endpoint, tls, connectTimeout, false, callback);
  }

  void removeConnection(H2Connection c) {
    List<H2Connection> list = connections.get(c.key());
    if (list != null && list.remove(c) && list.isEmpty()) {
      connections.remove(c.key());
    }
  }

  private H2Connection connect(
      Endpoint endpoint, UpstreamTlsClient tls, String key, Duration connectTimeout) {
    InetSocketAddress address;
    try {
      address = UpstreamPool.address(endpoint);
    } catch (UnknownHostException e) {
      return null;
    }
    H2Connection connection = new H2Connection(this, key, endpoint, tls, connectTimeout);
    connections.computeIfAbsent(key, k -> new ArrayList<>(1)).add(connection);
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    Http2Settings settings =
        Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(maxHeaderListSize);
    ChannelFuture connect =
        bootstrap
            .clone()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connection.bind(ch);
                    if (tls == null) {
                      installH2(ch.pipeline(), connection, settings);
                      return;
                    }
                    SslHandler ssl = tls.newHandler(ch.alloc(), endpoint, timeoutMillis);
                    ch.pipeline().addLast(UpstreamPool.TLS, ssl);
                    ch.pipeline()
                        .addLast(
                            "h2-alpn",
                            new H2TlsGate(
                                ssl,
                                connection,
                                ctx -> installH2(ctx.pipeline(), connection, settings),
                                cause -> {
                                  removeConnection(connection);
                                  connection.connectFailed(cause);
                                }));
                  }
                })
            .connect(address);
    connect.addListener(
        f -> {
          if (f.isSuccess() && closed) {
            connect.channel().close(); // the pool closed while connecting
          } else if (f.isSuccess() && tls == null) {
            connection.connected(connect.channel());
          } else if (!f.isSuccess()) {
            removeConnection(connection);
            connection.connectFailed(f.cause());
          }
          // over TLS the gate calls connected (or fails the connection) when the handshake ends
        });
    return connection;
  }

  /** The HTTP/2 handlers, at the end of the pipeline: the codec sends the preface once active. */
  private static void installH2(
      ChannelPipeline pipeline, H2Connection connection, Http2Settings settings) {
    pipeline.addLast("h2", Http2FrameCodecBuilder.forClient().initialSettings(settings).build());
    pipeline.addLast("h2-mux", new Http2MultiplexHandler(RefusePush.INSTANCE));
    pipeline.addLast("h2-connection", connection);
  }

  /** Closes connections that had no stream for {@code idleTimeoutNanos}; returns how many. */
  int evictIdle(long now, long idleTimeoutNanos) {
    List<Channel> expired = null;
    for (List<H2Connection> list : connections.values()) {
      for (H2Connection c : list) {
        if (c.idle() && now - c.idleSince >= idleTimeoutNanos) {
          if (expired == null) {
            expired = new ArrayList<>();
          }
          expired.add(c.channel());
        }
      }
    }
    if (expired == null) {
      return 0;
    }
    expired.forEach(Channel::close);
    return expired.size();
  }

  /** Open connections (event loop only; for tests and metrics). */
  int connectionCount() {
    int n = 0;
    for (List<H2Connection> list : connections.values()) {
      n += list.size();
    }
    return n;
  }

  /** Closes every connection; streams in flight fail with their connection. */
  void close() {
    closed = true;
    List<H2Connection> all = new ArrayList<>();
    connections.values().forEach(all::addAll);
    connections.clear();
    for (H2Connection c : all) {
      if (c.channel() != null) {
        c.channel().close();
      } else {
        c.connectFailed(new ClosedChannelException());
      }
    }
  }

  /** Server push is off in our SETTINGS; a pushed stream anyway is closed at once. */
  @ChannelHandler.Sharable
  private static final class RefusePush extends ChannelInboundHandlerAdapter {
    static final RefusePush INSTANCE = new RefusePush();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }
}
