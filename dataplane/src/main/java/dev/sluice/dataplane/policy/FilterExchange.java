package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.routing.CompiledRoute;
import dev.sluice.dataplane.upstream.UpstreamPool;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * What a {@link RequestFilter} sees of one request and how it ends its turn. Implemented by the
 * proxy's exchange; one instance per request.
 *
 * <p>A request filter must call exactly one of {@link #proceed()} or {@link #respond} exactly once,
 * on {@link #eventLoop()}: at once, or later (an external check) from a callback it scheduled on
 * that event loop. Both are no-ops once the exchange has ended otherwise (the client went away).
 *
 * <p>Thread safety: the event loop of the downstream channel only.
 */
public interface FilterExchange {

  /**
   * The request as it will go upstream: hop-by-hop headers already stripped, X-Forwarded-* and
   * X-Real-IP already set. Filters may change its URI and headers.
   */
  HttpRequest request();

  /** The matched route. */
  CompiledRoute route();

  /**
   * The client's address after PROXY protocol and trusted-proxy handling: what X-Real-IP says.
   * Never {@code null}.
   */
  InetAddress clientAddress();

  /** Whether this request arrived over TLS that Sluice terminated. */
  boolean tls();

  /** The HTTPS port redirects point to; 0 when there is no HTTPS listener. */
  int httpsPort();

  EventLoop eventLoop();

  /**
   * The upstream connection pool of {@link #eventLoop()}, for filters that ask another service
   * first (external auth): their connections are pooled and kept alive like the upstream's. Use it
   * from that event loop only.
   */
  UpstreamPool upstreamPool();

  /**
   * Runs {@code action} once, on {@link #eventLoop()}, when the exchange ends: answered, failed
   * or abandoned by the client; for an upgrade (WebSocket), when the tunnel closes (e.g. to give
   * back a per-client slot).
   */
  void whenDone(Runnable action);

  ByteBufAllocator alloc();

  /** Hands the request to the next filter, or to the upstream after the last one. */
  void proceed();

  /**
   * Answers the request with {@code response} (made by the filter, owned by the exchange from now
   * on) instead of sending it upstream. Response filters still run on it.
   */
  void respond(FullHttpResponse response);
}
