package dev.sluice.dataplane.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * Writes X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP on a request about to go upstream, and
 * decides who the client is, according to {@link TrustedProxies}. Stateless; built once per
 * listener.
 *
 * <p>TODO(http-edge helper): implement and test.
 */
public final class ForwardedHeaders {
  private final TrustedProxies trust;

  public ForwardedHeaders(TrustedProxies trust) {
    this.trust = trust;
  }

  /**
   * Rewrites {@code headers} in place.
   *
   * @param headers the downstream request's headers (hop-by-hop already stripped)
   * @param peer the TCP peer, or the source learned from a PROXY protocol header
   * @param tls whether the client connection is TLS (X-Forwarded-Proto https)
   * @param localPort the port the client connected to (X-Forwarded-Port)
   * @return the client IP as derived (for logs and X-Real-IP)
   */
  public String apply(HttpHeaders headers, InetSocketAddress peer, boolean tls, int localPort) {
    throw new UnsupportedOperationException("not yet");
  }
}
