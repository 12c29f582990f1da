package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.VirtualHost;
import io.netty.util.AsciiString;

/**
 * A route as the request path uses it: the snapshot's route plus what was compiled for it once.
 *
 * @param virtualHost the host entry that matched
 * @param route the path route that matched
 * @param balancer picks the endpoint
 * @param hsts the {@code Strict-Transport-Security} value for responses on terminated TLS, built
 *     once from {@link RoutePolicy#hsts()}; {@code null} when the route has HSTS off
 */
public record CompiledRoute(
    VirtualHost virtualHost, HttpRoute route, Balancer balancer, AsciiString hsts) {

  public CompiledRoute(VirtualHost virtualHost, HttpRoute route, Balancer balancer) {
    this(virtualHost, route, balancer, hstsValue(route.policy()));
  }

  private static AsciiString hstsValue(RoutePolicy policy) {
    return policy.hsts() == null ? null : AsciiString.cached(policy.hsts().headerValue());
  }
}
