package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.VirtualHost;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;

/**
 * Ingress rules to virtual hosts and HTTP routes, merged across Ingresses by host in the order the
 * filter left them (oldest first). The same host, path type and path in two Ingresses: the older
 * one's route is kept, the newer one gets {@link Reason#PathConflict}.
 *
 * <p>Routes of a host that its own Ingress lists under {@code spec.tls[].hosts} (exactly, or
 * covered by a {@code *.} entry one label deep) redirect plain HTTP to HTTPS, as ingress-nginx does
 * by default ({@link RoutePolicy#sslRedirect()}) unless the Ingress says {@code
 * sluice.dev/ssl-redirect: "false"}; other routes are served on both ports.
 */
final class IngressRuleProcessor implements Processor {

  @Override
  public void process(TranslationContext ctx) {
    for (Ingress ing : ctx.ingresses) {
      try {
        rules(ctx, ing);
      } catch (RuntimeException e) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec, "cannot be translated: " + e.getMessage());
      }
    }
    CanaryRoutes.attach(ctx);
  }

  private static void rules(TranslationContext ctx, Ingress ing) {
    List<IngressRule> rules = ing.getSpec() == null ? null : ing.getSpec().getRules();
    if (rules == null) {
      return;
    }
    Set<String> tlsHosts = tlsHosts(ing);
    for (int r = 0; r < rules.size(); r++) {
      IngressRule rule = rules.get(r);
      if (rule == null) {
        continue;
      }
      String host = rule.getHost() == null || rule.getHost().isEmpty()
          ? VirtualHost.CATCH_ALL
          : rule.getHost().toLowerCase(Locale.ROOT);
      if (!host.equals(VirtualHost.CATCH_ALL) && !TranslatorLimits.isHostName(host)) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            "rules[" + r + "]: host \"" + rule.getHost() + "\" is not a DNS name or a *. wildcard");
        continue;
      }
      if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
        continue;
      }
      for (HTTPIngressPath p : rule.getHttp().getPaths()) {
        if (p != null) {
          path(ctx, ing, r, host, p, coveredByTls(host, tlsHosts));
        }
      }
    }
  }

  private static void path(
      TranslationContext ctx, Ingress ing, int r, String host, HTTPIngressPath p, boolean tls) {
    String where = "rules[" + r + "] path " + p.getPath();
    PathType type = pathType(p.getPathType());
    if (type == null) {
      ctx.problem("Ingress", ing, Reason.InvalidSpec,
          where + ": pathType must be Exact, Prefix or ImplementationSpecific, not " + p.getPathType());
      return;
    }
    String path = p.getPath();
    if ((path == null || path.isEmpty()) && type == PathType.IMPLEMENTATION_SPECIFIC) {
      path = "/";
    }
    if (path == null || !path.startsWith("/")) {
      ctx.problem("Ingress", ing, Reason.InvalidSpec, where + ": path must start with /");
      return;
    }
    BackendGroup group = IngressBackends.group(ctx, ing, p.getBackend(), where);
    if (group == null) {
      return;
    }
    group =
        ctx.balancing.getOrDefault(ing, LoadBalancingAnnotations.Balancing.DEFAULT)
            .apply(group, path);
    CanaryAnnotations.Spec canary = ctx.canaries.get(ing);
    if (canary != null) { // not a route of its own: a second backend of the main Ingress's route
      ctx.canaryPaths.add(new CanaryRoutes.Pending(ing, where, host, type, path, group, canary));
      return;
    }
    String name = Resources.key(ing) + "#" + r + "/" + label(type) + ":" + path;
    RoutePolicy policy = ctx.policy(ing).forRoute(tls);
    HttpRoute route = new HttpRoute(name, type, path, group, policy);
    String owner = ctx.addRoute(host, route, Resources.key(ing));
    if (owner != null) {
      ctx.problem("Ingress", ing, Reason.PathConflict,
          where + ": host " + host + " " + p.getPathType() + " " + path
              + " is already routed by older Ingress " + owner);
    }
  }

  /** The lower-case host names of the Ingress's {@code spec.tls} entries. */
  static Set<String> tlsHosts(Ingress ing) {
    List<IngressTLS> tls = ing.getSpec() == null ? null : ing.getSpec().getTls();
    if (tls == null) {
      return Set.of();
    }
    Set<String> hosts = new HashSet<>();
    for (IngressTLS t : tls) {
      if (t != null && t.getHosts() != null) {
        for (String h : t.getHosts()) {
          if (h != null && !h.isEmpty()) {
            hosts.add(h.toLowerCase(Locale.ROOT));
          }
        }
      }
    }
    return hosts;
  }

  /** {@code host} is listed, or a {@code *.} entry covers it one label deep. */
  static boolean coveredByTls(String host, Set<String> tlsHosts) {
    if (tlsHosts.isEmpty() || host.equals(VirtualHost.CATCH_ALL)) {
      return false;
    }
    if (tlsHosts.contains(host)) {
      return true;
    }
    int dot = host.indexOf('.');
    return dot > 0 && !host.startsWith("*.") && tlsHosts.contains("*" + host.substring(dot));
  }

  static PathType pathType(String s) {
    if (s == null) {
      return null;
    }
    return switch (s) {
      case "Exact" -> PathType.EXACT;
      case "Prefix" -> PathType.PREFIX;
      case "ImplementationSpecific" -> PathType.IMPLEMENTATION_SPECIFIC;
      default -> null;
    };
  }

  static String label(PathType t) {
    return switch (t) {
      case EXACT -> "exact";
      case PREFIX -> "prefix";
      case IMPLEMENTATION_SPECIFIC -> "impl";
    };
  }
}
