package dev.sluice.controller.translate;

import dev.sluice.controller.translate.BackendResolver.Failed;
import dev.sluice.controller.translate.BackendResolver.PortRef;
import dev.sluice.controller.translate.BackendResolver.Resolved;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.ErrorPagePolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code custom-http-errors} (status codes, 400 to 599, comma-separated) with {@code
 * default-backend} (a Service of the Ingress's namespace: {@code name}, or {@code name:port} with a
 * port number or name; without a port the Service must have exactly one), as in ingress-nginx: an
 * upstream answer with a listed status is replaced by the Service's answer to a GET describing the
 * error, keeping the status. Sluice has no global default backend, so each needs the other.
 */
final class ErrorPageAnnotations implements PolicyAnnotation {
  static final String CODES = "custom-http-errors";
  static final String BACKEND = "default-backend";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    String codes = a.get(CODES);
    String backend = a.get(BACKEND);
    if (codes == null && backend == null) {
      return;
    }
    if (codes == null) {
      throw a.invalid(BACKEND, "Sluice uses the default backend for " + a.key(CODES)
          + " only; add that annotation with the statuses it should answer");
    }
    if (backend == null) {
      throw a.invalid(CODES, "needs " + a.key(BACKEND) + ": the Service that renders the pages");
    }
    List<Integer> statuses = codes(a, codes);
    BackendGroup group = group(a, backend.trim());
    String ns = Resources.namespace(a.ingress());
    policy.errorPages(new ErrorPagePolicy(statuses, group, ns, Resources.name(a.ingress())));
  }

  private static List<Integer> codes(IngressAnnotations a, String v) throws InvalidAnnotation {
    TreeSet<Integer> out = new TreeSet<>();
    for (String s : v.split(",")) {
      String t = s.trim();
      if (t.isEmpty()) {
        continue;
      }
      int c;
      try {
        c = Integer.parseInt(t);
      } catch (NumberFormatException e) {
        throw a.invalid(CODES, "\"" + t + "\" is not a status code");
      }
      if (c < 400 || c > 599) {
        throw a.invalid(CODES, t + " is not an error status (400 to 599)");
      }
      out.add(c);
    }
    if (out.isEmpty()) {
      throw a.invalid(CODES, "names no status code");
    }
    return new ArrayList<>(out);
  }

  private static BackendGroup group(IngressAnnotations a, String v) throws InvalidAnnotation {
    TranslationContext ctx = a.context();
    String ns = Resources.namespace(a.ingress());
    int colon = v.indexOf(':');
    String name = colon < 0 ? v : v.substring(0, colon);
    String portText = colon < 0 ? null : v.substring(colon + 1).trim();
    if (name.isEmpty() || name.indexOf('/') >= 0 || (portText != null && portText.isEmpty())) {
      throw a.invalid(BACKEND, "must be a Service name of the Ingress's namespace, optionally"
          + " with :port (number or name)");
    }
    PortRef port;
    if (portText != null) {
      port = portText.chars().allMatch(Character::isDigit)
          ? new PortRef(Integer.parseInt(portText), null)
          : new PortRef(null, portText);
    } else {
      Service svc = ctx.index.service(ns, name);
      List<ServicePort> ports =
          svc == null || svc.getSpec() == null || svc.getSpec().getPorts() == null
              ? List.of()
              : svc.getSpec().getPorts();
      if (svc != null && ports.size() != 1) {
        throw a.invalid(BACKEND, "Service " + ns + "/" + name + " has " + ports.size()
            + " ports: name one as " + name + ":port");
      }
      port = ports.isEmpty() ? new PortRef(80, null) : new PortRef(ports.get(0).getPort(), null);
    }
    return switch (ctx.backends.resolve(ns, name, port)) {
      case Failed f -> throw a.invalid(BACKEND, f.reason(), f.message());
      case Resolved r -> {
        if (r.protocol().usesTls()) {
          throw a.invalid(BACKEND, "the error Service must speak plain HTTP (or h2c), not "
              + r.protocol());
        }
        yield new BackendGroup(
            ns + "/" + name + ":" + r.servicePort(),
            r.endpoints(),
            BackendGroup.LoadBalancing.ROUND_ROBIN,
            r.protocol());
      }
    };
  }
}
