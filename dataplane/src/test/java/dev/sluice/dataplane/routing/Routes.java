package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.RewritePolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders for the snapshots the routing tests compile. */
final class Routes {
  private Routes() {}

  static Snapshot snapshot(VirtualHost... hosts) {
    return new Snapshot(1, Instant.EPOCH, List.of(hosts), List.of(), List.of());
  }

  static VirtualHost host(String name, HttpRoute... routes) {
    return new VirtualHost(name, List.of(routes));
  }

  /** A route whose backend group carries the route's name, so tests can tell routes apart. */
  static HttpRoute route(String name, PathType type, String path) {
    return new HttpRoute(
        name,
        type,
        path,
        group(name, LoadBalancing.ROUND_ROBIN, ep("10.0.0.1", 1)),
        RoutePolicy.DEFAULT);
  }

  static HttpRoute prefix(String name, String path) {
    return route(name, PathType.PREFIX, path);
  }

  /**
   * Parses {@code Type:path[=name];...} as written in path-matching.csv; the name defaults to the
   * rule text.
   */
  static List<HttpRoute> parseRules(String rules) {
    List<HttpRoute> routes = new ArrayList<>();
    for (String rule : rules.split(";")) {
      String text = rule.strip();
      String name = text;
      int eq = text.indexOf('=');
      if (eq >= 0) {
        name = text.substring(eq + 1);
        text = text.substring(0, eq);
      }
      int colon = text.indexOf(':');
      String kind = text.substring(0, colon);
      if (kind.equals("Regex")) { // an ImplementationSpecific path of a use-regex Ingress
        HttpRoute r = route(name, PathType.IMPLEMENTATION_SPECIFIC, text.substring(colon + 1));
        routes.add(
            new HttpRoute(
                r.name(),
                r.pathType(),
                r.path(),
                r.backend(),
                r.policy().toBuilder().rewrite(new RewritePolicy(null, true, null, null)).build()));
        continue;
      }
      PathType type =
          switch (kind) {
            case "Exact" -> PathType.EXACT;
            case "Prefix" -> PathType.PREFIX;
            case "ImplementationSpecific" -> PathType.IMPLEMENTATION_SPECIFIC;
            default -> throw new IllegalArgumentException("unknown path type in " + rule);
          };
      routes.add(route(name, type, text.substring(colon + 1)));
    }
    return routes;
  }

  static Endpoint ep(String address, int weight) {
    return new Endpoint(address, 8080, weight, true);
  }

  static Endpoint notReady(String address) {
    return new Endpoint(address, 8080, 1, false);
  }

  static BackendGroup group(String name, LoadBalancing policy, Endpoint... endpoints) {
    return new BackendGroup(name, List.of(endpoints), policy, BackendGroup.UpstreamProtocol.HTTP);
  }

  /** Compiles a one-route snapshot for {@code group} and returns the group's balancer. */
  static Balancer balancer(EndpointRegistry registry, BackendGroup group) {
    return compileGroups(registry, group).match("any.test", "/").balancer();
  }

  /**
   * Compiles a snapshot with one catch-all route per group, at /0, /1 ... (the first also at /).
   */
  static RouteTable compileGroups(EndpointRegistry registry, BackendGroup... groups) {
    List<HttpRoute> routes = new ArrayList<>();
    for (int i = 0; i < groups.length; i++) {
      routes.add(
          new HttpRoute(
              groups[i].name(),
              PathType.PREFIX,
              i == 0 ? "/" : "/" + i,
              groups[i],
              RoutePolicy.DEFAULT));
    }
    return RouteTable.compile(snapshot(new VirtualHost(VirtualHost.CATCH_ALL, routes)), registry);
  }
}
