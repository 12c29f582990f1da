package dev.sluice.dataplane.server;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.guard.Guards;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.metrics.SnapshotMetrics;
import dev.sluice.dataplane.passthrough.PassthroughMetrics;
import dev.sluice.dataplane.passthrough.PassthroughRelay;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import dev.sluice.dataplane.tls.ClientHelloRejections;
import dev.sluice.dataplane.tls.HandshakeLimiter;
import dev.sluice.dataplane.tls.TlsSettings;
import dev.sluice.dataplane.upstream.UpstreamPools;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's listeners. Serves whatever {@link SnapshotHolder#tables()} holds.
 *
 * <p>{@link #start} binds the HTTPS listener ({@link HttpsListener}: SNI passthrough and TLS
 * termination on one port) and the HTTP listener ({@link DownstreamInitializer}) on the same event
 * loops, logs the transport in use and returns once both are bound; {@link #httpPort()} and {@link
 * #httpsPort()} are the bound ports (useful with port 0). Both listeners read a PROXY protocol
 * header first when {@link ServerSettings#proxyProtocol()} requires one. {@link #close()} stops
 * accepting, lets requests in flight finish (up to {@link #DEFAULT_DRAIN_TIMEOUT}), closes the rest
 * (passthrough connections included) and shuts the event loops down.
 *
 * <p>Thread safety: start and close from any one thread; the rest lives on the event loops.
 */
public final class SluiceServer implements AutoCloseable {
  /** How long {@link #close()} waits for responses in flight before cutting connections. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);
  private static final int BACKLOG = 1024;

  private final EventLoopGroup group;
  private final Channel httpListener;
  private final Channel httpsListener;
  private final ClientHelloRejections clientHelloRejections;
  private final Counter handshakeFailures;
  private final HandshakeLimiter handshakes;
  private final ChannelGroup connections;
  private final UpstreamPools pools;
  private final PooledByteBufAllocator allocator;
  private final String transport;
  private final AccessLog accessLog;
  private boolean closed;

  private SluiceServer(
      EventLoopGroup group,
      Channel httpListener,
      Channel httpsListener,
      ClientHelloRejections clientHelloRejections,
      Counter handshakeFailures,
      HandshakeLimiter handshakes,
      ChannelGroup connections,
      UpstreamPools pools,
      PooledByteBufAllocator allocator,
      String transport,
      AccessLog accessLog) {
    this.group = group;
    this.httpListener = httpListener;
    this.httpsListener = httpsListener;
    this.clientHelloRejections = clientHelloRejections;
    this.handshakeFailures = handshakeFailures;
    this.handshakes = handshakes;
    this.connections = connections;
    this.pools = pools;
    this.allocator = allocator;
    this.transport = transport;
    this.accessLog = accessLog;
  }

  /** Name of the counter of failed TLS handshakes on terminated connections. */
  public static final String HANDSHAKE_FAILURES = "sluice.tls.handshake.failed";

  /**
   * Binds both listeners and registers the data plane's meters in {@code metrics}: per-request
   * ({@link RequestMetrics}), errors ({@link ProxyErrors}), connections and bytes per listener
   * ({@link DownstreamTraffic}), the snapshot ({@link SnapshotMetrics}), the buffer allocator
   * ({@code netty_allocator_*}), TLS handshakes, ClientHello rejections, passthrough and PROXY
   * protocol.
   *
   * @throws IllegalArgumentException when {@code snapshots}' TLS settings offer an ALPN protocol
   *     the HTTPS listener cannot serve ({@code h2} and {@code http/1.1} are served)
   */
  public static SluiceServer start(
      ServerSettings settings, SnapshotHolder snapshots, MeterRegistry metrics)
      throws InterruptedException {
    checkAlpn(snapshots.tlsSettings());
    TransportSupport transport = TransportSupport.select(settings.transport());
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            settings.ioThreads(), new DefaultThreadFactory("sluice-io"), transport.ioHandlerFactory());
    UpstreamPools pools = null;
    AccessLog accessLog = null;
    try {
      // Our own pooled allocator (not the JVM-wide default): its metrics are the data plane's only.
      PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
      HttpDecoderConfig decoderConfig =
          new HttpDecoderConfig()
              .setMaxInitialLineLength(settings.maxInitialLineLength())
              .setMaxHeaderSize(settings.maxHeaderSize());
      pools =
          new UpstreamPools(
              group,
              transport.clientChannels(),
              allocator,
              decoderConfig,
              settings.upstreamMaxIdlePerEndpoint(),
              settings.upstreamIdleTimeout());
      pools.closes().bindTo(metrics);
      RequestMetrics requests = new RequestMetrics(metrics);
      accessLog = AccessLog.open(settings.accessLog());
      accessLog.bindTo(metrics);
      ProxyConfig tlsProxy =
          new ProxyConfig(
              snapshots,
              pools,
              new ForwardedHeaders(settings.trustedProxies()),
              new ProxyErrors(metrics),
              true,
              0,
              requests,
              accessLog);
      new NettyAllocatorMetrics(allocator).bindTo(metrics);
      SnapshotMetrics.bind(snapshots, metrics);
      ChannelGroup connections = new DefaultChannelGroup("sluice-http", GlobalEventExecutor.INSTANCE);
      // hardening: one Guards for both listeners, so the connection caps cover the whole process
      Guards guards =
          new Guards(settings.limits(), tlsProxy.errors(), settings.proxyProtocol().required());
      // a PROXY header's source address is the client the per-IP cap counts
      ProxyProtocolAcceptor proxyProtocol =
          new ProxyProtocolAcceptor(
              settings.proxyProtocol(),
              metrics,
              ProxyProtocolSettings.DEFAULT_HEADER_TIMEOUT,
              guards.limiter()::rebind);
      ClientHelloRejections rejections = new ClientHelloRejections();
      rejections.bindTo(metrics, "https");
      Counter handshakeFailures =
          Counter.builder(HANDSHAKE_FAILURES)
              .description("TLS handshakes of terminated connections that failed or timed out")
              .register(metrics);
      HandshakeLimiter handshakes =
          new HandshakeLimiter(settings.limits().maxTlsHandshakes(), rejections);
      handshakes.bindTo(metrics, "https");
      HttpsListener https =
          new HttpsListener(
              settings,
              decoderConfig,
              tlsProxy,
              connections,
              proxyProtocol,
              new DownstreamTraffic(metrics, "https"),
              new PassthroughRelay(new PassthroughMetrics(metrics), accessLog),
              rejections,
              handshakeFailures,
              handshakes,
              guards);
      Channel httpsListener =
          bootstrap(group, transport, allocator)
              .handler(guards.acceptErrors()) // hardening: count failed accepts
              .childHandler(https)
              .bind(settings.bindAddress(), settings.httpsPort())
              .sync()
              .channel();
      // the HTTP listener redirects to the port actually bound (port 0 in tests)
      ProxyConfig proxy =
          new ProxyConfig(
              snapshots,
              pools,
              tlsProxy.forwarded(),
              tlsProxy.errors(),
              false,
              ((InetSocketAddress) httpsListener.localAddress()).getPort(),
              requests,
              accessLog);
      Channel listener;
      try {
        listener =
            bootstrap(group, transport, allocator)
                .handler(guards.acceptErrors()) // hardening: count failed accepts
                .childHandler(
                    new DownstreamInitializer(
                        settings,
                        decoderConfig,
                        proxy,
                        connections,
                        proxyProtocol,
                        new DownstreamTraffic(metrics, "http"),
                        guards))
                .bind(settings.bindAddress(), settings.httpPort())
                .sync()
                .channel();
      } catch (InterruptedException | RuntimeException e) {
        httpsListener.close().awaitUninterruptibly();
        throw e;
      }
      SluiceServer server =
          new SluiceServer(
              group,
              listener,
              httpsListener,
              rejections,
              handshakeFailures,
              handshakes,
              connections,
              pools,
              allocator,
              transport.name(),
              accessLog);
      log.info(
          "HTTP listener on {}, HTTPS listener on {} ({} transport, {} event loops{})",
          listener.localAddress(),
          httpsListener.localAddress(),
          transport.name(),
          ((MultiThreadIoEventLoopGroup) group).executorCount(),
          settings.proxyProtocol().required() ? ", PROXY protocol required" : "");
      return server;
    } catch (InterruptedException | RuntimeException e) {
      if (pools != null) {
        pools.close();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (accessLog != null) {
        accessLog.close();
      }
      throw e;
    }
  }

  private static void checkAlpn(TlsSettings tls) {
    for (String p : tls.alpnProtocols()) {
      if (!TlsHandoff.SERVED_PROTOCOLS.contains(p)) {
        throw new IllegalArgumentException(
            "TLS settings offer ALPN protocol \"" + p + "\", but the HTTPS listener serves only "
                + TlsHandoff.SERVED_PROTOCOLS);
      }
    }
  }

  private static ServerBootstrap bootstrap(
      EventLoopGroup group, TransportSupport transport, PooledByteBufAllocator allocator) {
    return new ServerBootstrap()
        .group(group)
        .channelFactory(transport.serverChannels())
        .option(ChannelOption.SO_BACKLOG, BACKLOG)
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.ALLOCATOR, allocator)
        .childOption(ChannelOption.ALLOCATOR, allocator)
        .childOption(ChannelOption.TCP_NODELAY, true)
        // reads are explicit: next request only after the response, body only while the
        // upstream can take it; passthrough relays read only while the other side is writable
        .childOption(ChannelOption.AUTO_READ, false);
  }

  public int httpPort() {
    return ((InetSocketAddress) httpListener.localAddress()).getPort();
  }

  public int httpsPort() {
    return ((InetSocketAddress) httpsListener.localAddress()).getPort();
  }

  /** Connections the HTTPS port closed before a decision (not TLS, malformed, timeout, ...). */
  public ClientHelloRejections clientHelloRejections() {
    return clientHelloRejections;
  }

  /** Terminated connections whose TLS handshake failed or timed out. */
  public long tlsHandshakeFailures() {
    return (long) handshakeFailures.count();
  }

  /** TLS handshakes in progress on the HTTPS port now (capped by {@code Limits.maxTlsHandshakes}). */
  public int tlsHandshakesInProgress() {
    return handshakes.inProgress();
  }

  /** The transport that runs: {@code epoll}, {@code io_uring} or {@code nio}. */
  public String transport() {
    return transport;
  }

  /** Buffer memory of the data plane (for metrics, and for tests that prove streaming). */
  public ByteBufAllocatorMetric allocatorMetric() {
    return allocator.metric();
  }

  @Override
  public void close() {
    close(DEFAULT_DRAIN_TIMEOUT);
  }

  /**
   * Stops accepting, asks every connection to close after its response in flight (idle ones and
   * tunnels close at once), waits up to {@code drain}, then closes what is left and stops the loops.
   */
  public synchronized void close(Duration drain) {
    if (closed) {
      return;
    }
    closed = true;
    httpListener.close().syncUninterruptibly();
    httpsListener.close().syncUninterruptibly();
    for (Channel ch : connections) {
      ch.pipeline().fireUserEventTriggered(ProxyHandler.Drain.INSTANCE);
    }
    long deadline = System.nanoTime() + drain.toNanos();
    while (!connections.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    connections.close().awaitUninterruptibly();
    pools.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    accessLog.close(); // after the loops: the last requests' lines are written
    log.info("HTTP and HTTPS listeners closed");
  }
}
