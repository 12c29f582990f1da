package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy.Hsts;
import java.time.Duration;

/**
 * {@code hsts} (default true), {@code hsts-max-age} (seconds, default one year), {@code
 * hsts-include-subdomains} (default true) and {@code hsts-preload} (default false) into {@link
 * RoutePolicy#hsts()}; the header is sent on responses over terminated TLS only. ingress-nginx sets
 * these in its ConfigMap; Sluice takes them per Ingress under the same names.
 */
final class HstsAnnotations implements PolicyAnnotation {
  static final String HSTS = "hsts";
  static final String MAX_AGE = "hsts-max-age";
  static final String INCLUDE_SUBDOMAINS = "hsts-include-subdomains";
  static final String PRELOAD = "hsts-preload";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    boolean on = Booleans.read(a, HSTS, true);
    String maxAge = a.get(MAX_AGE);
    Boolean sub = Booleans.readOrNull(a, INCLUDE_SUBDOMAINS);
    Boolean preload = Booleans.readOrNull(a, PRELOAD);
    if (!on) {
      policy.hsts(null);
      return;
    }
    if (maxAge == null && sub == null && preload == null) {
      return;
    }
    Hsts d = policy.hsts() != null ? policy.hsts() : Hsts.DEFAULT;
    Duration age = d.maxAge();
    if (maxAge != null) {
      try {
        long s = Long.parseLong(maxAge.trim());
        if (s < 0) {
          throw a.invalid(MAX_AGE, "must be seconds >= 0 (0 tells browsers to forget the host)");
        }
        age = Duration.ofSeconds(s);
      } catch (NumberFormatException e) {
        throw a.invalid(MAX_AGE, "must be seconds >= 0 (0 tells browsers to forget the host)");
      }
    }
    policy.hsts(
        new Hsts(
            age,
            sub == null ? d.includeSubDomains() : sub,
            preload == null ? d.preload() : preload));
  }
}
