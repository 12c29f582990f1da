package dev.sluice.controller.translate;

import dev.sluice.controller.crd.PassthroughBackend;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.crd.TLSPassthroughRouteSpec;
import dev.sluice.controller.translate.BackendResolver.Failed;
import dev.sluice.controller.translate.BackendResolver.PortRef;
import dev.sluice.controller.translate.BackendResolver.Resolved;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * TLSPassthroughRoute to {@link PassthroughRoute}. Validates what the CRD schema would have (the
 * mock API server and manifest folders do no validation). An SNI host belongs to the oldest route
 * naming it (creationTimestamp, then namespace/name); a newer route naming any taken host is left
 * out whole with {@link Reason#HostnameConflict}. Hosts are claimed before backends are resolved,
 * so a Service that flaps never hands a host to another route.
 */
final class PassthroughRouteProcessor implements Processor {
  private static final String KIND = TLSPassthroughRoute.KIND;

  private record Valid(
      List<String> hostnames,
      List<PassthroughBackend> backends,
      ProxyProtocol proxyProtocol,
      Duration connect,
      Duration idle) {}

  @Override
  public void process(TranslationContext ctx) {
    for (TLSPassthroughRoute route : ctx.passthroughRoutes) {
      try {
        translate(ctx, route);
      } catch (RuntimeException e) {
        ctx.problem(KIND, route, Reason.InvalidSpec, "cannot be translated: " + e.getMessage());
      }
    }
  }

  private void translate(TranslationContext ctx, TLSPassthroughRoute route) {
    Valid v;
    try {
      v = validate(route.getSpec());
    } catch (IllegalArgumentException e) {
      ctx.problem(KIND, route, Reason.InvalidSpec, e.getMessage());
      return;
    }
    String key = Resources.key(route);
    for (String host : v.hostnames()) {
      String owner = ctx.passthroughHosts.get(host);
      if (owner != null) {
        ctx.problem(
            KIND, route, Reason.HostnameConflict,
            "hostname " + host + " belongs to older TLSPassthroughRoute " + owner);
        return;
      }
    }
    v.hostnames().forEach(h -> ctx.passthroughHosts.put(h, key));

    List<List<Endpoint>> perBackend = new ArrayList<>();
    for (PassthroughBackend b : v.backends()) {
      var result =
          ctx.backends.resolve(Resources.namespace(route), b.getService(), PortRef.of(b.getPort()));
      switch (result) {
        case Failed f -> {
          ctx.problem(KIND, route, f.reason(), f.message());
          return;
        }
        case Resolved r -> perBackend.add(r.endpoints());
      }
    }
    List<Integer> weights = v.backends().stream().map(PassthroughRouteProcessor::weight).toList();
    // The bytes relayed are TLS end to end; the protocol field is informational for passthrough.
    BackendGroup group =
        new BackendGroup(
            key,
            BackendWeights.combine(perBackend, weights),
            BackendGroup.LoadBalancing.ROUND_ROBIN,
            BackendGroup.UpstreamProtocol.HTTPS);
    ctx.passthrough.add(
        new PassthroughRoute(key, v.hostnames(), group, v.proxyProtocol(), v.connect(), v.idle()));
  }

  private static int weight(PassthroughBackend b) {
    return b.getWeight() == null ? PassthroughBackend.DEFAULT_WEIGHT : b.getWeight();
  }

  private static Valid validate(TLSPassthroughRouteSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("spec is required");
    }
    List<String> hosts = spec.getHostnames();
    if (hosts == null || hosts.isEmpty() || hosts.size() > TLSPassthroughRouteSpec.MAX_HOSTNAMES) {
      throw new IllegalArgumentException(
          "spec.hostnames must list 1 to " + TLSPassthroughRouteSpec.MAX_HOSTNAMES + " names");
    }
    Set<String> hostnames = new LinkedHashSet<>();
    for (String h : hosts) {
      String lower = h == null ? "" : h.toLowerCase(Locale.ROOT);
      if (!TranslatorLimits.isHostName(lower)) {
        throw new IllegalArgumentException(
            "spec.hostnames: \"" + h + "\" is not a DNS name or a *. wildcard");
      }
      hostnames.add(lower);
    }
    List<PassthroughBackend> backends = spec.getBackends();
    if (backends == null
        || backends.isEmpty()
        || backends.size() > TLSPassthroughRouteSpec.MAX_BACKENDS) {
      throw new IllegalArgumentException(
          "spec.backends must list 1 to " + TLSPassthroughRouteSpec.MAX_BACKENDS + " services");
    }
    for (int i = 0; i < backends.size(); i++) {
      PassthroughBackend b = backends.get(i);
      if (b == null || b.getService() == null || b.getService().isEmpty()) {
        throw new IllegalArgumentException("spec.backends[" + i + "].service is required");
      }
      if (!PortRef.of(b.getPort()).isSet()) {
        throw new IllegalArgumentException("spec.backends[" + i + "].port is required");
      }
      int w = weight(b);
      if (w < 0 || w > PassthroughBackend.MAX_WEIGHT) {
        throw new IllegalArgumentException(
            "spec.backends[" + i + "].weight must be 0.." + PassthroughBackend.MAX_WEIGHT);
      }
    }
    ProxyProtocol pp =
        switch (spec.getProxyProtocol() == null ? dev.sluice.controller.crd.ProxyProtocolMode.None
            : spec.getProxyProtocol()) {
          case None -> ProxyProtocol.NONE;
          case V1 -> ProxyProtocol.V1;
          case V2 -> ProxyProtocol.V2;
        };
    var t = spec.getTimeouts();
    Duration connect = RoutePolicy.DEFAULT_CONNECT_TIMEOUT;
    Duration idle = PassthroughRoute.DEFAULT_IDLE_TIMEOUT;
    if (t != null && t.getConnect() != null) {
      connect = parseDuration("spec.timeouts.connect", t.getConnect());
    }
    if (t != null && t.getIdle() != null) {
      idle = parseDuration("spec.timeouts.idle", t.getIdle());
    }
    return new Valid(List.copyOf(hostnames), backends, pp, connect, idle);
  }

  private static Duration parseDuration(String field, String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage());
    }
  }
}
