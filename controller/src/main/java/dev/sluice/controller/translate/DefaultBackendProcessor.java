package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.VirtualHost;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

/**
 * Ingress {@code spec.defaultBackend} to a {@code /} Prefix route on the catch-all host. Runs after
 * the rules, so an explicit catch-all {@code /} rule wins; among default backends the oldest
 * Ingress wins and the others get {@link Reason#PathConflict}.
 */
final class DefaultBackendProcessor implements Processor {

  @Override
  public void process(TranslationContext ctx) {
    for (Ingress ing : ctx.ingresses) {
      if (ing.getSpec() == null || ing.getSpec().getDefaultBackend() == null) {
        continue;
      }
      if (ctx.canaries.containsKey(ing)) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            "defaultBackend: a canary Ingress only splits the paths of its rules; not served");
        continue;
      }
      try {
        BackendGroup group =
            IngressBackends.group(ctx, ing, ing.getSpec().getDefaultBackend(), "defaultBackend");
        if (group == null) {
          continue;
        }
        group =
            ctx.balancing.getOrDefault(ing, LoadBalancingAnnotations.Balancing.DEFAULT)
                .apply(group, "/");
        HttpRoute route =
            new HttpRoute(
                Resources.key(ing) + "#default",
                PathType.PREFIX,
                "/",
                group,
                ctx.policy(ing).forRoute(false));
        String owner = ctx.addRoute(VirtualHost.CATCH_ALL, route, Resources.key(ing));
        if (owner != null) {
          ctx.problem("Ingress", ing, Reason.PathConflict,
              "defaultBackend: the catch-all / route is already served by older Ingress " + owner);
        }
      } catch (RuntimeException e) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec, "cannot be translated: " + e.getMessage());
      }
    }
  }
}
