package dev.sluice.dataplane.server;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.guard.Guards;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.metrics.SnapshotMetrics;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.dataplane.upstream.UpstreamPools;
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
 * The data plane's listeners. Serves whatever {@link SnapshotHolder#current()} holds.
 *
 * <p>{@link #start} binds the HTTP listener, logs the transport in use and returns once bound;
 * {@link #httpPort()} is the bound port (useful with port 0); {@link #close()} stops accepting, lets
 * requests in flight finish (up to {@link #DEFAULT_DRAIN_TIMEOUT}), closes the rest and shuts the
 * event loops down.
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
  private final ChannelGroup connections;
  private final UpstreamPools pools;
  private final PooledByteBufAllocator allocator;
  private final String transport;
  private boolean closed;

  private SluiceServer(
      EventLoopGroup group,
      Channel httpListener,
      ChannelGroup connections,
      UpstreamPools pools,
      PooledByteBufAllocator allocator,
      String transport) {
    this.group = group;
    this.httpListener = httpListener;
    this.connections = connections;
    this.pools = pools;
    this.allocator = allocator;
    this.transport = transport;
  }

  /**
   * Binds the HTTP listener and registers the data plane's meters in {@code metrics}: per-request
   * ({@link RequestMetrics}), errors ({@link ProxyErrors}), connections and bytes ({@link
   * DownstreamTraffic}), the snapshot ({@link SnapshotMetrics}) and the buffer allocator ({@code
   * netty_allocator_*}).
   */
  public static SluiceServer start(
      ServerSettings settings, SnapshotHolder snapshots, MeterRegistry metrics)
      throws InterruptedException {
    TransportSupport transport = TransportSupport.select(settings.transport());
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            settings.ioThreads(), new DefaultThreadFactory("sluice-io"), transport.ioHandlerFactory());
    UpstreamPools pools = null;
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
      ProxyConfig proxy =
          new ProxyConfig(
              snapshots,
              pools,
              new ForwardedHeaders(settings.trustedProxies()),
              new ProxyErrors(metrics),
              false,
              new RequestMetrics(metrics));
      Guards guards = new Guards(settings.limits(), proxy.errors()); // hardening
      new NettyAllocatorMetrics(allocator).bindTo(metrics);
      SnapshotMetrics.bind(snapshots, metrics);
      DownstreamTraffic traffic = new DownstreamTraffic(metrics, "http");
      ChannelGroup connections = new DefaultChannelGroup("sluice-http", GlobalEventExecutor.INSTANCE);
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(group)
              .channelFactory(transport.serverChannels())
              .option(ChannelOption.SO_BACKLOG, BACKLOG)
              .option(ChannelOption.SO_REUSEADDR, true)
              .option(ChannelOption.ALLOCATOR, allocator)
              .childOption(ChannelOption.ALLOCATOR, allocator)
              .childOption(ChannelOption.TCP_NODELAY, true)
              // reads are explicit: next request only after the response, body only while the
              // upstream can take it
              .childOption(ChannelOption.AUTO_READ, false)
              .handler(guards.acceptErrors()) // hardening: count failed accepts
              .childHandler(
                  new DownstreamInitializer(
                      settings, decoderConfig, proxy, connections, traffic, guards)); // hardening
      Channel listener =
          bootstrap.bind(settings.bindAddress(), settings.httpPort()).sync().channel();
      SluiceServer server =
          new SluiceServer(group, listener, connections, pools, allocator, transport.name());
      log.info(
          "HTTP listener on {} ({} transport, {} event loops)",
          listener.localAddress(),
          transport.name(),
          ((MultiThreadIoEventLoopGroup) group).executorCount());
      return server;
    } catch (InterruptedException | RuntimeException e) {
      if (pools != null) {
        pools.close();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int httpPort() {
    return ((InetSocketAddress) httpListener.localAddress()).getPort();
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
    log.info("HTTP listener closed");
  }
}
