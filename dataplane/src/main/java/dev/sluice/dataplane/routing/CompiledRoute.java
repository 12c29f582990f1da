package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.policy.PolicyRuntime;
import dev.sluice.dataplane.policy.RouteFilters;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import io.netty.util.AsciiString;

/**
 * A route as the request path uses it: the snapshot's route plus what was compiled for it once.
 *
 * @param virtualHost the host entry that matched
 * @param route the path route that matched
 * @param balancer picks the endpoint
 * @param upstreamTls how to speak TLS to the endpoints, or {@code null} for plain HTTP
 * @param hsts the {@code Strict-Transport-Security} value for responses on terminated TLS, built
 *     once from {@link RoutePolicy#hsts()}; {@code null} when the route has HSTS off
 * @param filters the route's policies, compiled ({@link RouteFilters#NONE} when it has none)
 */
public record CompiledRoute(
    VirtualHost virtualHost,
    HttpRoute route,
    Balancer balancer,
    UpstreamTlsClient upstreamTls,
    AsciiString hsts,
    RouteFilters filters) {

  /** A route to a plain-HTTP backend. */
  public CompiledRoute(VirtualHost virtualHost, HttpRoute route, Balancer balancer) {
    this(virtualHost, route, balancer, null);
  }

  /** A route whose HSTS value and filters are built from its policy, with a fresh runtime. */
  public CompiledRoute(
      VirtualHost virtualHost, HttpRoute route, Balancer balancer, UpstreamTlsClient upstreamTls) {
    this(virtualHost, route, balancer, upstreamTls, new PolicyRuntime());
  }

  /** A route whose HSTS value and filters are built from its policy. */
  public CompiledRoute(
      VirtualHost virtualHost,
      HttpRoute route,
      Balancer balancer,
      UpstreamTlsClient upstreamTls,
      PolicyRuntime runtime) {
    this(
        virtualHost,
        route,
        balancer,
        upstreamTls,
        hstsValue(route.policy()),
        RouteFilters.compile(route, runtime));
  }

  private static AsciiString hstsValue(RoutePolicy policy) {
    return policy.hsts() == null ? null : AsciiString.cached(policy.hsts().headerValue());
  }
}
