package dev.sluice.controller.translate;

import dev.sluice.controller.translate.BackendResolver.Failed;
import dev.sluice.controller.translate.BackendResolver.PortRef;
import dev.sluice.controller.translate.BackendResolver.Resolved;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;

/** An Ingress backend (rule path or defaultBackend) to a {@link BackendGroup}, or a problem. */
final class IngressBackends {
  private IngressBackends() {}

  /**
   * @param where which part of the Ingress, for the message ({@code rules[0] path /api})
   * @return the group, or {@code null} after recording a problem on {@code ing}
   */
  static BackendGroup group(TranslationContext ctx, Ingress ing, IngressBackend backend, String where) {
    if (backend == null) {
      ctx.problem("Ingress", ing, Reason.InvalidSpec, where + ": backend is required");
      return null;
    }
    IngressServiceBackend svc = backend.getService();
    if (svc == null) {
      ctx.problem("Ingress", ing, Reason.InvalidSpec,
          where + ": only service backends are supported (resource backends are not)");
      return null;
    }
    PortRef port =
        svc.getPort() == null
            ? new PortRef(null, null)
            : new PortRef(svc.getPort().getNumber(), svc.getPort().getName());
    String ns = Resources.namespace(ing);
    return switch (ctx.backends.resolve(ns, svc.getName(), port)) {
      case Failed f -> {
        ctx.problem("Ingress", ing, f.reason(), where + ": " + f.message());
        yield null;
      }
      case Resolved r -> {
        UpstreamTlsAnnotations a = ctx.upstreamTls.getOrDefault(ing, UpstreamTlsAnnotations.NONE);
        UpstreamProtocol protocol = a.protocol() != null ? a.protocol() : r.protocol();
        UpstreamTls tls =
            protocol.usesTls()
                ? a.tlsFor(ctx, ns, svc.getName(), isExternalName(ctx, ns, svc.getName()))
                : null;
        yield new BackendGroup(
            ns + "/" + svc.getName() + ":" + r.servicePort(),
            r.endpoints(),
            BackendGroup.LoadBalancing.ROUND_ROBIN,
            protocol,
            tls);
      }
    };
  }

  private static boolean isExternalName(TranslationContext ctx, String ns, String name) {
    Service s = ctx.index.service(ns, name);
    return s != null && s.getSpec() != null && "ExternalName".equals(s.getSpec().getType());
  }
}
