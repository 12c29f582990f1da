package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP lookup structure compiled from one {@link Snapshot}: Host header and request URI to a
 * {@link CompiledRoute}. Immutable and shared by all event loops.
 *
 * <p>TODO(routing helper): replace this linear first version with compiled tables.
 */
public final class RouteTable {
  private final Snapshot snapshot;
  private final List<CompiledRoute> routes;

  private RouteTable(Snapshot snapshot, List<CompiledRoute> routes) {
    this.snapshot = snapshot;
    this.routes = routes;
  }

  public static RouteTable compile(Snapshot snapshot, EndpointRegistry registry) {
    List<CompiledRoute> routes = new ArrayList<>();
    for (VirtualHost vh : snapshot.virtualHosts()) {
      for (HttpRoute r : vh.routes()) {
        routes.add(new CompiledRoute(vh, r, balancerFor(r.backend(), registry)));
      }
    }
    return new RouteTable(snapshot, routes);
  }

  static Balancer balancerFor(BackendGroup group, EndpointRegistry registry) {
    List<EndpointState> states = new ArrayList<>();
    for (Endpoint e : group.endpoints()) {
      if (e.ready() && e.weight() > 0) {
        states.add(registry.stateFor(group.name(), e));
      }
    }
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    return avoid -> {
      if (states.isEmpty()) {
        return null;
      }
      EndpointState s = states.get(Math.floorMod(next.getAndIncrement(), states.size()));
      if (s == avoid && states.size() > 1) {
        s = states.get(Math.floorMod(next.getAndIncrement(), states.size()));
      }
      return s;
    };
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * @param host the Host header (or :authority), possibly with a port, any case
   * @param uri the request target in origin form, possibly with a query
   * @return the route, or {@code null} when none matches (the caller answers 404)
   */
  public CompiledRoute match(CharSequence host, CharSequence uri) {
    String h = host == null ? "" : host.toString().toLowerCase(java.util.Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon > 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    String path = uri.toString();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    for (CompiledRoute r : routes) {
      if (r.virtualHost().hostname().equals(h)
          && r.route().pathType() == HttpRoute.PathType.EXACT
          && r.route().path().equals(path)) {
        return r;
      }
    }
    for (CompiledRoute r : routes) {
      if (r.virtualHost().hostname().equals(h) && path.startsWith(r.route().path())) {
        return r;
      }
    }
    for (CompiledRoute r : routes) {
      if (r.virtualHost().isCatchAll() && path.startsWith(r.route().path())) {
        return r;
      }
    }
    return null;
  }
}
