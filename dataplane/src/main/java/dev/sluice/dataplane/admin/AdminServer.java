package dev.sluice.dataplane.admin;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.metrics.ProcessMetrics;
import dev.sluice.dataplane.server.ServerSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener ({@code --admin-port}, default 9090):
 *
 * <table>
 *   <caption>Endpoints (GET or HEAD; other methods 405, other paths 404)</caption>
 *   <tr><td>{@code /healthz}</td><td>200 {@code ok} while the process runs</td></tr>
 *   <tr><td>{@code /readyz}</td><td>200 once the first complete snapshot is live, 503 before</td></tr>
 *   <tr><td>{@code /snapshot}</td><td>the snapshot being served as JSON ({@code SnapshotJson}:
 *       no private keys)</td></tr>
 *   <tr><td>{@code /metrics}</td><td>Prometheus text or OpenMetrics, as the {@code Accept} header
 *       negotiates</td></tr>
 *   <tr><td>{@code /}</td><td>an HTML page: routes, passthrough hosts, certificates with expiry,
 *       endpoint readiness, error counters</td></tr>
 * </table>
 *
 * <p>It runs on its own single NIO event loop, never on the data plane's: a slow scrape or a large
 * page delays only other admin requests. Binding it also binds the JVM and process meters ({@link
 * ProcessMetrics}) to the registry it exposes.
 *
 * <p>Thread safety: {@link #start} and {@link #close} from any one thread; requests are served on
 * the admin event loop only.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  /** Admin requests have no body worth reading; anything larger is refused with 413. */
  private static final int MAX_REQUEST_BODY = 8192;

  private static final int IDLE_SECONDS = 60;

  private final EventLoopGroup group;
  private final Channel listener;
  private final ProcessMetrics processMetrics;
  private boolean closed;

  private AdminServer(EventLoopGroup group, Channel listener, ProcessMetrics processMetrics) {
    this.group = group;
    this.listener = listener;
    this.processMetrics = processMetrics;
  }

  /** Binds {@code settings.bindAddress():settings.adminPort()} and returns once bound. */
  public static AdminServer start(
      ServerSettings settings, SnapshotHolder snapshots, PrometheusMeterRegistry registry)
      throws InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sluice-admin", true), NioIoHandler.newFactory());
    ProcessMetrics processMetrics = ProcessMetrics.bind(registry);
    try {
      AdminRoutes routes = new AdminRoutes(snapshots, registry);
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(MAX_REQUEST_BODY))
                          .addLast(new AdminHandler(routes));
                    }
                  });
      Channel listener =
          bootstrap.bind(settings.bindAddress(), settings.adminPort()).sync().channel();
      log.info("Admin listener on {}", listener.localAddress());
      return new AdminServer(group, listener, processMetrics);
    } catch (InterruptedException | RuntimeException e) {
      processMetrics.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    processMetrics.close();
    log.info("Admin listener closed");
  }
}
