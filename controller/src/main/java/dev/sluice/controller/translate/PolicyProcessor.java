package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Iterator;
import java.util.List;

/**
 * Parses every served Ingress's policy annotations into an {@link IngressPolicy}, once per
 * translation, before any of its routes is built. An Ingress with a value that cannot be served is
 * taken out whole with a problem naming the annotation and the value. Raw configuration ({@code
 * configuration-snippet}, {@code server-snippet} and every other {@code *-snippet}) is refused
 * outright, under either prefix: injected configuration is the hole behind ingress-nginx's
 * CVE-2025-1974 family, and Sluice has no configuration language to inject into anyway.
 */
final class PolicyProcessor implements Processor {

  /** One parser per concern, run in this order; later ones may read what earlier ones set. */
  private static final List<PolicyAnnotation> PARSERS =
      List.of(
          new SslRedirectAnnotations(),
          new HstsAnnotations(),
          new RedirectAnnotations(),
          new RewriteAnnotations(),
          new HeaderAnnotations(),
          new CorsAnnotations(),
          new TransferAnnotations(),
          new LoadBalancingAnnotations(),
          new CanaryAnnotations(),
          new AccessAnnotations(),
          new JwtAnnotations(),
          new CompressionAnnotations(),
          new ErrorPageAnnotations());

  @Override
  public void process(TranslationContext ctx) {
    for (Iterator<Ingress> it = ctx.ingresses.iterator(); it.hasNext(); ) {
      Ingress ing = it.next();
      IngressAnnotations a = ctx.annotations(ing);
      String snippet = snippet(a);
      if (snippet != null) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            "annotation " + snippet + " is refused: Sluice does not take raw configuration"
                + " snippets (they let an Ingress author inject proxy configuration); use the"
                + " typed annotations in docs/annotations.md; the Ingress is not served");
        it.remove();
        continue;
      }
      String control = unimplementedSecurityControl(a);
      if (control != null) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            "annotation " + control + " asks for a security control Sluice does not implement"
                + " (client-certificate authentication, a WAF); the Ingress is not served rather"
                + " than served without it");
        it.remove();
        continue;
      }
      RoutePolicy.Builder policy = RoutePolicy.builder();
      IngressPolicy.Builder ingress = new IngressPolicy.Builder();
      try {
        for (PolicyAnnotation p : PARSERS) {
          p.read(a, policy, ingress);
        }
        ctx.policies.put(
            ing, new IngressPolicy(policy.build(), ingress.sslRedirect, ingress.forceSslRedirect));
      } catch (InvalidAnnotation e) {
        ctx.problem("Ingress", ing, e.reason(), e.getMessage() + "; the Ingress is not served");
        it.remove();
      } catch (IllegalArgumentException e) { // a combination the policy records refuse
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            "annotations: " + e.getMessage() + "; the Ingress is not served");
        it.remove();
      }
    }
  }

  /**
   * The first annotation, under either prefix, that asks for access control Sluice does not have:
   * serving the Ingress without it (with only an "ignored" warning) would open what its author
   * meant to close. ingress-nginx's client-certificate ({@code auth-tls-*}) and ModSecurity/OWASP
   * annotations; {@code null} when none.
   */
  private static String unimplementedSecurityControl(IngressAnnotations a) {
    for (String key : a.policyKeys()) {
      String name = IngressAnnotations.bareName(key);
      if (name.startsWith("auth-tls-")
          || name.equals("enable-modsecurity")
          || name.equals("enable-owasp-core-rules")
          || name.startsWith("modsecurity-")) {
        String value = a.raw(key);
        boolean off =
            value != null
                && (value.trim().equalsIgnoreCase("false") || value.trim().equalsIgnoreCase("off"));
        if (!off) {
          return key;
        }
      }
    }
    return null;
  }

  /** The first snippet annotation, under either prefix, or {@code null}. */
  private static String snippet(IngressAnnotations a) {
    for (String key : a.policyKeys()) {
      String name = IngressAnnotations.bareName(key);
      if (name.endsWith("-snippet") || name.endsWith("-snippets") || name.equals("snippet")) {
        return key;
      }
    }
    return null;
  }
}
