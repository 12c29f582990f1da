package dev.sluice.controller.acme;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.tls.CertificateTable;
import dev.sluice.dataplane.tls.ClientHelloRejections;
import dev.sluice.dataplane.tls.ClientHelloSniffer;
import dev.sluice.dataplane.tls.SnifferSettings;
import dev.sluice.dataplane.tls.TlsAlpnChallengeHandler;
import dev.sluice.dataplane.tls.TlsAlpnChallenges;
import dev.sluice.dataplane.tls.TlsContextFactory;
import dev.sluice.dataplane.tls.TlsSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTPS port for these tests, until the data plane's own HTTPS listener is in this
 * branch: {@link ClientHelloSniffer} first, then {@link TlsAlpnChallenges} (what the real
 * dispatcher calls first), else TLS termination with the snapshot's {@link CertificateTable}; the
 * connection closes after the handshake (the tests look at the certificate served, nothing more).
 */
final class ChallengeTlsListener implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel channel;
  private final TlsContextFactory factory = new TlsContextFactory();
  private volatile Snapshot compiledFor;
  private volatile CertificateTable table;

  ChallengeTlsListener(SnapshotHolder holder, int port) throws InterruptedException {
    TlsAlpnChallenges challenges =
        new TlsAlpnChallenges(() -> holder.current().snapshot().acmeChallenges());
    ClientHelloRejections rejections = new ClientHelloRejections();
    channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ClientHelloSniffer((ctx, hello) -> {
              if (TlsAlpnChallengeHandler.install(ctx, hello, challenges, Duration.ofSeconds(10))) {
                return;
              }
              SslHandler ssl = table(holder.current().snapshot()).select(hello.serverName())
                  .newHandler(ctx.alloc());
              ctx.pipeline().addAfter(ctx.name(), "tls", ssl);
              ctx.pipeline().addAfter("tls", "close", TlsAlpnChallengeHandler.INSTANCE);
            }, SnifferSettings.defaults(), rejections));
          }
        })
        .bind("127.0.0.1", port).sync().channel();
  }

  private synchronized CertificateTable table(Snapshot s) {
    if (compiledFor != s) {
      table = CertificateTable.compile(s.certificates(), null,
          TlsSettings.defaults().toBuilder().alpnProtocols(List.of("http/1.1")).build(), factory)
          .table();
      compiledFor = s;
    }
    return table;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
