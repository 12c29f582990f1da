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
 * @param main the route's backend: its balancer and how to speak TLS to it
 * @param canary the route's canary, or {@code null}
 * @param hsts the {@code Strict-Transport-Security} value for responses on terminated TLS, built
 *     once from {@link RoutePolicy#hsts()}; {@code null} when the route has HSTS off
 * @param filters the route's policies, compiled ({@link RouteFilters#NONE} when it has none)
 */
public record CompiledRoute(
    VirtualHost virtualHost,
    HttpRoute route,
    UpstreamTarget main,
    CanarySplit canary,
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

  /** A route without canary whose HSTS value and filters are built from its policy. */
  public CompiledRoute(
      VirtualHost virtualHost,
      HttpRoute route,
      Balancer balancer,
      UpstreamTlsClient upstreamTls,
      PolicyRuntime runtime) {
    this(virtualHost, route, new UpstreamTarget(route.backend(), balancer, upstreamTls), null, runtime);
  }

  /** A route whose HSTS value and filters are built from its policy. */
  public CompiledRoute(
      VirtualHost virtualHost,
      HttpRoute route,
      UpstreamTarget main,
      CanarySplit canary,
      PolicyRuntime runtime) {
    this(
        virtualHost,
        route,
        main,
        canary,
        hstsValue(route.policy()),
        RouteFilters.compile(route, runtime));
  }

  /** The main backend's balancer. */
  public Balancer balancer() {
    return main.balancer();
  }

  /** How to speak TLS to the main backend, or {@code null} for plain HTTP. */
  public UpstreamTlsClient upstreamTls() {
    return main.tls();
  }

  /** The backend that serves {@code request}: the canary's when it takes it, else the main one. */
  public UpstreamTarget target(PickContext request) {
    return canary != null && canary.takes(request) ? canary.target() : main;
  }

  private static AsciiString hstsValue(RoutePolicy policy) {
    return policy.hsts() == null ? null : AsciiString.cached(policy.hsts().headerValue());
  }
}
