package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.Canary;
import dev.sluice.dataplane.snapshot.HashKey;
import dev.sluice.dataplane.snapshot.RoutePolicy;

/**
 * {@code canary: "true"} marks an Ingress as the canary of another Ingress with the same host and
 * path: its paths do not become routes of their own but a second backend of the main routes, taken
 * by {@code canary-by-header} (+ {@code canary-by-header-value}), {@code canary-by-cookie} and
 * {@code canary-weight} (of {@code canary-weight-total}, default 100), with ingress-nginx's
 * semantics ({@link Canary}). Without {@code canary: "true"} the other canary annotations are not
 * read (and so reported as ignored), as ingress-nginx ignores them. The result is kept in {@link
 * TranslationContext#canaries}; {@link IngressRuleProcessor} attaches it.
 */
final class CanaryAnnotations implements PolicyAnnotation {
  static final String CANARY = "canary";
  static final String WEIGHT = "canary-weight";
  static final String WEIGHT_TOTAL = "canary-weight-total";
  static final String BY_HEADER = "canary-by-header";
  static final String BY_HEADER_VALUE = "canary-by-header-value";
  static final String BY_COOKIE = "canary-by-cookie";

  /** A canary Ingress's rules; the backend comes from each of its paths. */
  record Spec(int weight, int weightTotal, String header, String headerValue, String cookie) {}

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    if (!Booleans.read(a, CANARY, false)) {
      return;
    }
    int total = number(a, WEIGHT_TOTAL, Canary.DEFAULT_WEIGHT_TOTAL, 1);
    int weight = number(a, WEIGHT, 0, 0);
    if (weight > total) {
      throw a.invalid(WEIGHT, "must be 0.." + total + " (the weight total)");
    }
    String header = trimmed(a.get(BY_HEADER));
    String headerValue = trimmed(a.get(BY_HEADER_VALUE));
    String cookie = trimmed(a.get(BY_COOKIE));
    if (header != null && !valid(HashKey.Source.HEADER, header)) {
      throw a.invalid(BY_HEADER, "not a header name");
    }
    if (headerValue != null && header == null) {
      throw a.invalid(BY_HEADER_VALUE, "needs canary-by-header");
    }
    if (cookie != null && !valid(HashKey.Source.COOKIE, cookie)) {
      throw a.invalid(BY_COOKIE, "not a cookie name");
    }
    a.context().canaries.put(a.ingress(), new Spec(weight, total, header, headerValue, cookie));
  }

  private static int number(IngressAnnotations a, String name, int absent, int min)
      throws InvalidAnnotation {
    String v = a.get(name);
    if (v == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min && n <= 1_000_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw a.invalid(name, "must be a whole number " + min + "..1000000");
  }

  private static String trimmed(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static boolean valid(HashKey.Source source, String name) {
    try {
      new HashKey(source, name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
