package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.routing.Balancer;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import io.netty.channel.Channel;
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
 * <p>Bytes are copied through pooled buffers on both transports. Netty's {@code
 * EpollSocketChannel.spliceTo} was tried and is not used: on a client FIN it shuts the input after
 * one splice chunk even when more data is waiting in the socket (the pipe to the slower side being
 * full), so the tail of the stream was lost or the connection reset; its splice promises then fail
 * with {@code ClosedChannelException} / {@code epoll_ctl ENOENT}; and spliced bytes never pass the
 * pipeline, so they could be neither counted nor seen by the idle timer. Half-close and byte
 * accounting are requirements; zero copy is an optimisation.
 *
 * <p>Immutable; any event loop.
 */
public final class PassthroughRelay {
  /** Name of the relay handler in the downstream pipeline. */
  public static final String HANDLER_NAME = "passthrough-relay";

  private final PassthroughMetrics metrics;
  private final AccessLog accessLog;

  /** @param metrics where connections, bytes and connect errors are counted */
  public PassthroughRelay(PassthroughMetrics metrics) {
    this(metrics, AccessLog.off());
  }

  /**
   * @param metrics where connections, bytes and connect errors are counted
   * @param accessLog where each connection is logged when it closes
   */
  public PassthroughRelay(PassthroughMetrics metrics, AccessLog accessLog) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.accessLog = Objects.requireNonNull(accessLog, "accessLog");
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
    new RelaySession(downstream, route, balancer, metrics.route(route.name()), accessLog, host)
        .start();
  }
}
