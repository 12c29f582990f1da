package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.dataplane.tls.UpstreamTlsClient;

/**
 * A route as the request path uses it: the snapshot's route plus what was compiled for it once.
 *
 * @param virtualHost the host entry that matched
 * @param route the path route that matched
 * @param balancer picks the endpoint
 * @param upstreamTls how to speak TLS to the endpoints, or {@code null} for plain HTTP
 */
public record CompiledRoute(
    VirtualHost virtualHost, HttpRoute route, Balancer balancer, UpstreamTlsClient upstreamTls) {

  /** A route to a plain-HTTP backend. */
  public CompiledRoute(VirtualHost virtualHost, HttpRoute route, Balancer balancer) {
    this(virtualHost, route, balancer, null);
  }
}
