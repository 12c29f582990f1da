package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.tls.DefaultCertificate;
import dev.sluice.dataplane.tls.TlsContextFactory;
import dev.sluice.dataplane.tls.TlsSettings;
import dev.sluice.dataplane.upstream.UpstreamPools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only HTTPS listener on 127.0.0.1, port 0: TLS with a self-signed certificate for {@link
 * #HOSTS}, ALPN {@code h2}, then {@link Http2Downstream#install} (clients that do not choose h2
 * are closed: HTTP/1.1 over TLS is the HTTPS listener's business). Reads are explicit on accepted
 * connections, as on the real listeners: {@code install} must switch the connection to reading.
 */
final class H2TestServer implements AutoCloseable {
  static final List<String> HOSTS = List.of("a.h2.test", "b.h2.test", "localhost");

  final SnapshotHolder snapshots = new SnapshotHolder();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final Certificate certificate;
  final AtomicInteger accepted = new AtomicInteger();
  final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final EventLoopGroup group;
  private final UpstreamPools pools;
  private final Channel listener;

  H2TestServer(H2Limits limits) throws Exception {
    certificate =
        DefaultCertificate.selfSigned("test/h2", HOSTS.get(0), HOSTS, Duration.ofDays(1));
    SslContext tls = new TlsContextFactory().build(certificate, TlsSettings.defaults());
    group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("h2-test"), NioIoHandler.newFactory());
    pools =
        new UpstreamPools(
            group, NioSocketChannel::new, io.netty.buffer.PooledByteBufAllocator.DEFAULT,
            new HttpDecoderConfig(), 256, Duration.ofSeconds(30));
    ProxyConfig proxy =
        new ProxyConfig(
            snapshots, pools, new ForwardedHeaders(TrustedProxies.none()), new ProxyErrors(metrics), true);
    listener =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    accepted.incrementAndGet();
                    connections.add(ch);
                    ch.pipeline()
                        .addLast("tls", tls.newHandler(ch.alloc()))
                        .addLast(
                            "alpn",
                            new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                              @Override
                              protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                  Http2Downstream.install(ctx.pipeline(), proxy, limits);
                                } else {
                                  ctx.close();
                                }
                              }
                            });
                    // reads are explicit here: the handshake needs the first ones
                    ch.read();
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  H2TestServer publish(Snapshot snapshot) {
    snapshots.publish(snapshot);
    return this;
  }

  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** How often {@code sluice_proxy_errors_total{kind}} was counted. */
  double errors(String kind) {
    var counter = metrics.find(ProxyErrors.METRIC).tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  /** How often {@code sluice_h2_goaway_sent_total{code}} was counted. */
  double goAwaysSent(String code) {
    var counter = metrics.find(H2Metrics.GOAWAY_SENT).tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }

  /** How often {@code sluice_h2_rst_sent_total{code}} was counted. */
  double resetsSent(String code) {
    var counter = metrics.find(H2Metrics.RST_SENT).tag("code", code).counter();
    return counter == null ? 0 : counter.count();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    connections.close().awaitUninterruptibly();
    pools.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
