package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Canary;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;

/**
 * Attaches the paths of canary Ingresses ({@link CanaryAnnotations}) to the routes of the main
 * Ingresses once all rules are in (a canary may be older than its main Ingress). The main route is
 * the one of the same host and path, of the same path type if there is one. A canary path without
 * a main route, or for a route that already has a canary, is reported on the canary Ingress and not
 * served. The route keeps the main Ingress's policies; the canary contributes its backend (with its
 * own backend protocol and load balancing).
 */
final class CanaryRoutes {
  private CanaryRoutes() {}

  /** One path of a canary Ingress, waiting for its main route. */
  record Pending(
      Ingress ingress,
      String where,
      String host,
      PathType type,
      String path,
      BackendGroup backend,
      CanaryAnnotations.Spec spec) {}

  static void attach(TranslationContext ctx) {
    for (Pending p : ctx.canaryPaths) {
      List<HttpRoute> routes = ctx.virtualHosts.get(p.host());
      int i = routes == null ? -1 : mainRoute(routes, p);
      if (i < 0) {
        ctx.problem("Ingress", p.ingress(), Reason.InvalidSpec,
            p.where() + ": canary for host " + p.host() + " path " + p.path()
                + ", but no Ingress without canary routes them; the canary is not served");
        continue;
      }
      HttpRoute main = routes.get(i);
      if (main.canary() != null) {
        ctx.problem("Ingress", p.ingress(), Reason.PathConflict,
            p.where() + ": route " + main.name() + " already has a canary ("
                + main.canary().backend().name() + "); this one is not served");
        continue;
      }
      CanaryAnnotations.Spec s = p.spec();
      routes.set(
          i,
          main.withCanary(
              new Canary(
                  p.backend(), s.weight(), s.weightTotal(), s.header(), s.headerValue(),
                  s.cookie())));
    }
  }

  /** Index of the route for the same path, preferring the same path type; -1 if none. */
  private static int mainRoute(List<HttpRoute> routes, Pending p) {
    int samePath = -1;
    for (int i = 0; i < routes.size(); i++) {
      HttpRoute r = routes.get(i);
      if (r.path().equals(p.path())) {
        if (r.pathType() == p.type()) {
          return i;
        }
        if (samePath < 0) {
          samePath = i;
        }
      }
    }
    return samePath;
  }
}
