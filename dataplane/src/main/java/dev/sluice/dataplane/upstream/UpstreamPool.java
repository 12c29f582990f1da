package dev.sluice.dataplane.upstream;

import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Keep-alive HTTP/1.1 connections to upstream endpoints, for the channels of ONE event loop. New
 * connections are opened on that loop, so a downstream channel and its upstream channels share a
 * thread and never need a lock. Idle connections are kept per endpoint authority, at most {@code
 * maxIdlePerEndpoint} of them, most recently used first (so surplus connections age out), and
 * closed after {@code idleTimeout} without use.
 *
 * <p>HTTPS upstreams: a connection through an {@link UpstreamTlsClient} is pooled under {@link
 * UpstreamTlsClient#poolKey}, which includes the protocol, SNI name and trust settings, so it is
 * never handed to a plain request to the same address (nor to one with other TLS settings). It is
 * leased only after its handshake completed; a failed handshake is reported as its {@link
 * SSLException}.
 *
 * <p>Thread safety: event loop {@link #loop} only (except {@link #close}, which hops onto it).
 */
public final class UpstreamPool {
  /** Pipeline name of the HTTP codec on upstream channels (removed when a tunnel takes over). */
  public static final String CODEC = "http";

  /** Pipeline name of the TLS handler on HTTPS upstream channels (stays for tunnels). */
  public static final String TLS = "tls";

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final HttpDecoderConfig decoderConfig;
  private final int maxIdlePerEndpoint;
  private final long idleTimeoutNanos;
  private final PoolCloses closes;
  private final Map<String, ArrayDeque<UpstreamLink>> idle = new HashMap<>();
  private final ScheduledFuture<?> sweeper;
  /** Where HTTP/1.1 links go back (kept off this class's public API). */
  private final LinkHome home =
      new LinkHome() {
        @Override
        public void release(UpstreamLink link) {
          UpstreamPool.this.release(link);
        }

        @Override
        public void remove(UpstreamLink link) {
          UpstreamPool.this.remove(link);
        }
      };
  /** Multiplexed HTTP/2 connections of this loop, for h2c and h2-over-TLS backends. */
  private final H2Pool h2;
  private boolean closed;

  UpstreamPool(
      EventLoop loop,
      Bootstrap template,
      HttpDecoderConfig decoderConfig,
      int maxIdlePerEndpoint,
      Duration idleTimeout,
      PoolCloses closes) {
    this.loop = loop;
    this.closes = closes;
    this.bootstrap = template.clone(loop);
    this.decoderConfig = decoderConfig;
    this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    // A sweep every quarter of the timeout keeps a connection at most 1.25x the timeout, at the
    // cost of one task per loop instead of one per released connection.
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(250), idleTimeoutNanos / 4);
    // HTTP/2 counts 32 bytes per field on top of name and value: leave room for that overhead
    this.h2 = new H2Pool(bootstrap, decoderConfig.getMaxHeaderSize() + 4096L);
    this.sweeper = loop.scheduleAtFixedRate(this::evictExpired, period, period, TimeUnit.NANOSECONDS);
  }

  public EventLoop loop() {
    return loop;
  }

  /**
   * Leases a connection to {@code endpoint}: the most recently used idle one that is still open, or
   * a new one. {@code fresh} skips the idle ones (a retry after a pooled connection turned out
   * dead). The callback may run before this method returns.
   */
  public void acquire(
      Endpoint endpoint, Duration connectTimeout, boolean fresh, AcquireCallback callback) {
    acquire(endpoint, null, connectTimeout, fresh, callback);
  }

  /**
   * Leases a link to {@code endpoint} speaking {@code protocol}: for {@link UpstreamProtocol#H2C}
   * and {@link UpstreamProtocol#H2} (through {@code tls}, an {@link UpstreamTlsClient#h2()} client)
   * a new stream on a shared HTTP/2 connection (see {@link H2Pool}), which the caller uses, releases
   * and discards exactly like an HTTP/1.1 connection; otherwise as {@link #acquire(Endpoint,
   * UpstreamTlsClient, Duration, boolean, AcquireCallback)}.
   */
  public void acquire(
      Endpoint endpoint,
      UpstreamProtocol protocol,
      UpstreamTlsClient tls,
      Duration connectTimeout,
      boolean fresh,
      AcquireCallback callback) {
    if (protocol == UpstreamProtocol.H2C) {
      h2.acquire(endpoint, null, connectTimeout, fresh, callback);
    } else if (protocol == UpstreamProtocol.H2) {
      if (tls == null || !tls.h2()) {
        // a programming error upstream of here; fail the request rather than speak h2 blindly
        callback.onAcquireFailed(new SSLException("no h2 TLS client for " + endpoint.authority()));
        return;
      }
      h2.acquire(endpoint, tls, connectTimeout, fresh, callback);
    } else {
      acquire(endpoint, tls, connectTimeout, fresh, callback);
    }
  }

  /**
   * As {@link #acquire(Endpoint, Duration, boolean, AcquireCallback)}, over TLS when {@code tls} is
   * not {@code null}. The connect timeout bounds the TCP connect and, separately, the handshake.
   */
  public void acquire(
      Endpoint endpoint,
      UpstreamTlsClient tls,
      Duration connectTimeout,
      boolean fresh,
      AcquireCallback callback) {
    String key = tls == null ? endpoint.authority() : tls.poolKey(endpoint.authority());
    if (!fresh) {
      ArrayDeque<UpstreamLink> links = idle.get(key);
      if (links != null) {
        UpstreamLink link;
        while ((link = links.pollLast()) != null) {
          if (link.channel().isActive()) {
            callback.onAcquired(link);
            return;
          }
          link.channel().close();
        }
      }
    }
    connect(endpoint, tls, key, connectTimeout, callback);
  }

  private void connect(
      Endpoint endpoint,
      UpstreamTlsClient tls,
      String key,
      Duration connectTimeout,
      AcquireCallback callback) {
    InetSocketAddress address;
    try {
      address = address(endpoint);
    } catch (UnknownHostException e) {
      callback.onAcquireFailed(e);
      return;
    }
    UpstreamLink link = new UpstreamLink(home, key);
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    if (tls != null && tls.problem() != null) {
      callback.onAcquireFailed(new SSLException("upstream TLS settings unusable: " + tls.problem()));
      return;
    }
    // the TLS handler, once the channel is initialised (read back by the connect listener)
    SslHandler[] handshaking = new SslHandler[1];
    ChannelFuture connect =
        bootstrap
            .clone()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) {
                      handshaking[0] = tls.newHandler(ch.alloc(), endpoint, timeoutMillis);
                      ch.pipeline().addLast(TLS, handshaking[0]);
                    }
                    ch.pipeline().addLast(CODEC, new HttpClientCodec(decoderConfig, false, false));
                    ch.pipeline().addLast("link", link);
                  }
                })
            .connect(address);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            callback.onAcquireFailed(f.cause());
          } else if (tls == null) {
            callback.onAcquired(link);
          } else if (handshaking[0] == null) {
            connect.channel().close(); // the initializer failed (and closed it already)
            callback.onAcquireFailed(new SSLException("cannot set up TLS to " + endpoint.authority()));
          } else {
            // the handler started the handshake on channelActive; it reads by itself meanwhile
            handshaking[0]
                .handshakeFuture()
                .addListener(
                    h -> {
                      if (h.isSuccess()) {
                        callback.onAcquired(link);
                      } else {
                        connect.channel().close();
                        callback.onAcquireFailed(h.cause());
                      }
                    });
          }
        });
  }

  /** IP literals (the normal case: pod IPs) never touch a resolver. */
  static InetSocketAddress address(Endpoint endpoint) throws UnknownHostException {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(endpoint.address());
    if (ip != null) {
      return new InetSocketAddress(InetAddress.getByAddress(ip), endpoint.port());
    }
    // ExternalName endpoints: resolved by the bootstrap's resolver when connecting.
    return InetSocketAddress.createUnresolved(endpoint.address(), endpoint.port());
  }

  void release(UpstreamLink link) {
    Channel ch = link.channel();
    if (closed || !ch.isActive()) {
      ch.close();
      return;
    }
    ArrayDeque<UpstreamLink> links = idle.computeIfAbsent(link.key(), k -> new ArrayDeque<>());
    if (links.size() >= maxIdlePerEndpoint) {
      closes.surplus.increment();
      ch.close();
      return;
    }
    link.idleSince = System.nanoTime();
    links.addLast(link);
    // Keep a read pending so that a close by the server is noticed while the link sits idle.
    ch.read();
  }

  void remove(UpstreamLink link) {
    ArrayDeque<UpstreamLink> links = idle.get(link.key());
    if (links != null) {
      links.remove(link);
    }
  }

  /** Idle connections currently kept, over all endpoints (event loop only; for tests and metrics). */
  public int idleCount() {
    int n = 0;
    for (ArrayDeque<UpstreamLink> links : idle.values()) {
      n += links.size();
    }
    return n;
  }

  /** Open HTTP/2 connections, over all endpoints (event loop only; for tests and metrics). */
  public int h2ConnectionCount() {
    return h2.connectionCount();
  }

  private void evictExpired() {
    long now = System.nanoTime();
    closes.idleTimeout.add(h2.evictIdle(now, idleTimeoutNanos));
    for (Iterator<ArrayDeque<UpstreamLink>> it = idle.values().iterator(); it.hasNext(); ) {
      ArrayDeque<UpstreamLink> links = it.next();
      // oldest at the head: links are appended when released and taken from the tail
      UpstreamLink oldest;
      while ((oldest = links.peekFirst()) != null && now - oldest.idleSince >= idleTimeoutNanos) {
        links.pollFirst();
        closes.idleTimeout.increment();
        oldest.channel().close();
      }
      if (links.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Closes the idle connections and stops accepting returns; leased ones close with their owner. */
  void close() {
    if (!loop.inEventLoop()) {
      loop.execute(this::close);
      return;
    }
    closed = true;
    sweeper.cancel(false);
    h2.close();
    for (ArrayDeque<UpstreamLink> links : idle.values()) {
      for (UpstreamLink link : links) {
        link.channel().close();
      }
    }
    idle.clear();
  }
}
