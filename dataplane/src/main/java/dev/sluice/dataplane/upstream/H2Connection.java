package dev.sluice.dataplane.upstream;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One multiplexed HTTP/2 connection to an upstream endpoint, and the last handler of its pipeline
 * (after the frame codec and the multiplexer, which hand it the connection-level frames).
 *
 * <p>Each lease is a new stream: a child channel whose pipeline converts between HTTP/1.1 objects
 * and stream frames and ends in an {@link UpstreamLink}, so an exchange drives it exactly like an
 * HTTP/1.1 connection. The connection takes streams up to the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS; until the server's first SETTINGS arrive, leases wait (at most
 * {@link #ASSUMED_STREAMS} of them, the minimum RFC 9113 recommends a server to allow). After a
 * GOAWAY, or once closed, it takes no new streams; streams in flight finish (or, when the server
 * refused them or the connection dropped, their exchanges see the stream close and fail or retry).
 *
 * <p>Thread safety: the event loop of its channel (the pool's loop) only.
 */
final class H2Connection extends ChannelInboundHandlerAdapter {
  /** Streams queued on a connection before the server announced its limit. */
  static final int ASSUMED_STREAMS = 100;

  /**
   * Receive window of the whole connection. Each stream is read only as fast as its client takes
   * the response, and what it has not read counts against the connection window too; at the
   * protocol's default (64 KiB, one stream's window) one slow client would stall every stream on
   * the connection. This much lets {@link #ASSUMED_STREAMS} streams each hold a full window.
   */
  static final int CONNECTION_WINDOW = ASSUMED_STREAMS * Http2CodecUtil.DEFAULT_WINDOW_SIZE;

  private final H2Pool pool;
  private final String key;
  private final Endpoint endpoint;
  private final UpstreamTlsClient tls;
  private final Duration connectTimeout;
  private final ArrayDeque<AcquireCallback> waiters = new ArrayDeque<>();
  private final LinkHome streams =
      new LinkHome() {
        @Override
        public void release(UpstreamLink link) {
          // both ends of the stream are done; closing the child channel frees it (no RST_STREAM)
          link.channel().close();
        }

        @Override
        public void remove(UpstreamLink link) {
          // the stream's close future does the accounting
        }
      };
  private Channel channel;
  private ScheduledFuture<?> settingsTimer;
  private boolean ready; // the server's first SETTINGS arrived
  private boolean usable = true; // no GOAWAY, not closed
  private int maxStreams = Integer.MAX_VALUE;
  private int active; // streams opening or open
  private long opened; // streams ever opened
  /** Nanotime since which no stream was active; read by the pool's sweep. */
  long idleSince;

  /** @param tls the h2 TLS client the connection goes through, or {@code null} for h2c */
  H2Connection(
      H2Pool pool, String key, Endpoint endpoint, UpstreamTlsClient tls, Duration connectTimeout) {
    this.pool = pool;
    this.key = key;
    this.endpoint = endpoint;
    this.tls = tls;
    this.connectTimeout = connectTimeout;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  String key() {
    return key;
  }

  Channel channel() {
    return channel;
  }

  /** No stream is open and the connection is up: a candidate for idle eviction. */
  boolean idle() {
    return ready && usable && active == 0;
  }

  /**
   * Takes a lease on this connection when it has room: a stream now, or a place in the queue while
   * the connection is still being set up.
   *
   * @return false when the connection is full or going away
   */
  boolean tryAcquire(AcquireCallback callback) {
    if (!usable) {
      return false;
    }
    if (!ready) {
      if (waiters.size() >= ASSUMED_STREAMS) {
        return false;
      }
      waiters.add(callback);
      return true;
    }
    if (active >= maxStreams) {
      return false;
    }
    openStream(callback);
    return true;
  }

  /** The channel this connection is (set as soon as it exists, so {@link H2Pool#close} can close it). */
  void bind(Channel ch) {
    channel = ch;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    if (ctx.channel().isActive()) {
      // added after a TLS handshake: channelActive is past, the codec has just sent the preface
      widenConnectionWindow(ctx);
    }
  }

  /**
   * The connection is up (TCP, and for h2 over TLS the handshake with h2 selected): the frame codec
   * has sent the preface; wait for SETTINGS.
   */
  void connected(Channel ch) {
    settingsTimer =
        ch.eventLoop()
            .schedule(
                () -> {
                  if (!ready) {
                    failWaiters(
                        new ConnectTimeoutException(
                            "no HTTP/2 SETTINGS from " + endpoint.authority() + " in time"));
                    ch.close();
                  }
                },
                connectTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
  }

  /** Connecting failed: every queued lease fails with {@code cause}. */
  void connectFailed(Throwable cause) {
    usable = false;
    failWaiters(cause);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // the codec (earlier in the pipeline) has sent the preface already
    widenConnectionWindow(ctx);
    ctx.fireChannelActive();
  }

  private static void widenConnectionWindow(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(
        new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2SettingsFrame settings) {
        Long max = settings.settings().maxConcurrentStreams();
        if (max != null) {
          maxStreams = (int) Math.min(Integer.MAX_VALUE, max);
        }
        if (!ready) {
          ready = true;
          idleSince = System.nanoTime();
          cancelSettingsTimer();
          serveWaiters();
        }
      } else if (msg instanceof Http2GoAwayFrame) {
        // the multiplexer already closed the streams the server will not process
        goAway();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelSettingsTimer();
    usable = false;
    pool.removeConnection(this);
    failWaiters(new ClosedChannelException());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a connection error (the codec sent GOAWAY already when it could); streams fail as it closes
    ctx.close();
  }

  private void goAway() {
    if (!usable) {
      return;
    }
    usable = false;
    pool.removeConnection(this);
    // leases queued before SETTINGS go elsewhere
    AcquireCallback w;
    while ((w = waiters.poll()) != null) {
      pool.reacquire(endpoint, tls, connectTimeout, w);
    }
    if (active == 0) {
      channel.close();
    }
  }

  private void serveWaiters() {
    AcquireCallback w;
    while ((w = waiters.poll()) != null) {
      if (usable && active < maxStreams) {
        openStream(w);
      } else {
        pool.reacquire(endpoint, tls, connectTimeout, w);
      }
    }
  }

  private void failWaiters(Throwable cause) {
    AcquireCallback w;
    while ((w = waiters.poll()) != null) {
      w.onAcquireFailed(cause);
    }
  }

  private void openStream(AcquireCallback callback) {
    active++;
    boolean reused = opened++ > 0;
    UpstreamLink link = new UpstreamLink(streams, key);
    new Http2StreamChannelBootstrap(channel)
        // as on HTTP/1.1 connections, a stream is read only while its downstream can take more;
        // unread DATA stays unacknowledged, so the server's flow-control window closes
        .option(ChannelOption.AUTO_READ, false)
        .handler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(UpstreamPool.CODEC, new Http2StreamFrameToHttpObjectCodec(false));
                ch.pipeline().addLast("h2-adapter", H2StreamAdapter.INSTANCE);
                ch.pipeline().addLast("link", link);
              }
            })
        .open()
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Channel stream = (Channel) f.getNow();
                stream.closeFuture().addListener(c -> streamClosed());
                if (reused) {
                  link.markReused();
                }
                callback.onAcquired(link);
              } else {
                streamClosed();
                callback.onAcquireFailed(
                    f.cause() instanceof IOException ? f.cause() : new IOException(f.cause()));
              }
            });
  }

  private void streamClosed() {
    active--;
    if (active == 0) {
      idleSince = System.nanoTime();
      if (!usable && channel.isActive()) {
        channel.close(); // drained after a GOAWAY
      }
    }
  }

  private void cancelSettingsTimer() {
    if (settingsTimer != null) {
      settingsTimer.cancel(false);
      settingsTimer = null;
    }
  }
}
