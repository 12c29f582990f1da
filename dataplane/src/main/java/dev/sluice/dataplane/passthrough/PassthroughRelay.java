package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.routing.Balancer;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import java.util.Objects;

/**
 * Relays a TLS connection whose ClientHello named a passthrough route to one of the route's
 * endpoints, as raw bytes: the data plane never decrypts them. One instance serves a listener.
 *
 * <p>Use from the HTTPS listener's ClientHello sniffer, on the downstream channel's event loop:
 *
 * <pre>{@code
 * relay.start(ctx.channel(), route, balancer);   // installs the relay at the pipeline's tail
 * ctx.pipeline().remove(sniffer);                // held ClientHello bytes flow into the relay
 * }</pre>
 *
 * <p>The bytes that reach the relay's handler before the backend connection is up (the ClientHello
 * the sniffer held) are queued and sent first, after the PROXY header when the route asks for one.
 * The downstream channel is switched to {@code autoRead=false} and half-closure, so that reads are
 * explicit (backpressure) and a client's FIN is forwarded as a FIN. See {@link RelaySession} for
 * the connection's life.
 *
 * <p>On the epoll transport the bytes are spliced ({@code splice(2)} through a kernel pipe per
 * direction, Netty's {@code spliceTo}, zero copy) when the relay allows it (the default; system
 * property {@code sluice.passthrough.splice=false} switches it off) and the accepted channel was
 * {@linkplain #prepare prepared}; otherwise they are copied through pooled buffers. Netty's splice
 * alone ends a stream too early at a FIN: {@link SplicePump} explains that and how the end is found
 * instead. Spliced bytes never pass the pipeline; {@link SpliceCounter} counts them for the metrics,
 * the access log, {@link dev.sluice.dataplane.metrics.DownstreamTraffic} and the idle timer.
 *
 * <p>Immutable; any event loop.
 */
public final class PassthroughRelay {
  /** Name of the relay handler in the downstream pipeline. */
  public static final String HANDLER_NAME = "passthrough-relay";

  /** Whether relays splice on epoll unless told otherwise: system property {@value #SPLICE_PROPERTY}. */
  public static final boolean SPLICE_DEFAULT =
      !"false".equalsIgnoreCase(System.getProperty(PassthroughRelay.SPLICE_PROPERTY, "true"));

  /** System property that switches splicing off when {@code false}. */
  public static final String SPLICE_PROPERTY = "sluice.passthrough.splice";

  private final PassthroughMetrics metrics;
  private final AccessLog accessLog;
  private final boolean splice;

  /** @param metrics where connections, bytes and connect errors are counted */
  public PassthroughRelay(PassthroughMetrics metrics) {
    this(metrics, AccessLog.off());
  }

  /**
   * @param metrics where connections, bytes and connect errors are counted
   * @param accessLog where each connection is logged when it closes
   */
  public PassthroughRelay(PassthroughMetrics metrics, AccessLog accessLog) {
    this(metrics, accessLog, SPLICE_DEFAULT);
  }

  /**
   * @param metrics where connections, bytes and connect errors are counted
   * @param accessLog where each connection is logged when it closes
   * @param splice whether to splice where possible ({@code false}: always copy)
   */
  public PassthroughRelay(PassthroughMetrics metrics, AccessLog accessLog, boolean splice) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.accessLog = Objects.requireNonNull(accessLog, "accessLog");
    this.splice = splice;
  }

  /**
   * Makes an accepted channel spliceable should it become a passthrough connection: on the epoll
   * transport, installs the read counter that sees spliced bytes. Must run before the channel's
   * first read (Netty creates its read handle once, at the first read), as from the listener's
   * channel initializer. Does nothing on other transports; cheap on connections that end up
   * terminated (one small object, reads delegate to the original allocator).
   *
   * @return {@code ch}
   */
  public static <C extends Channel> C prepare(C ch) {
    if (ch instanceof AbstractEpollStreamChannel
        && !(ch.config().getRecvByteBufAllocator() instanceof SpliceCounter)) {
      ch.config().setRecvByteBufAllocator(new SpliceCounter(ch.config().getRecvByteBufAllocator()));
    }
    return ch;
  }

  /**
   * Starts relaying {@code downstream} to an endpoint of {@code route} picked by {@code balancer}.
   * Must run on {@code downstream}'s event loop. Never throws for network failures: a connect that
   * fails twice (or finds no endpoint) closes the downstream and is counted.
   */
  public void start(Channel downstream, PassthroughRoute route, Balancer balancer) {
    start(downstream, route, balancer, null);
  }

  /**
   * As {@link #start(Channel, PassthroughRoute, Balancer)}, with the ClientHello's SNI name for the
   * access log ({@code null}: the route's first host name is logged).
   */
  public void start(Channel downstream, PassthroughRoute route, Balancer balancer, String sni) {
    if (!downstream.eventLoop().inEventLoop()) {
      throw new IllegalStateException("start() must run on the downstream channel's event loop");
    }
    String host = sni != null ? sni : route.hostnames().isEmpty() ? null : route.hostnames().get(0);
    new RelaySession(
            downstream, route, balancer, metrics.route(route.name()), accessLog, host, splice)
        .start();
  }
}
