package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.HeaderValues;
import dev.sluice.dataplane.snapshot.RedirectPolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;

/**
 * {@code permanent-redirect} (with {@code permanent-redirect-code}, 3xx, default 301), {@code
 * temporal-redirect} (302) and {@code app-root} into {@link RedirectPolicy}. Setting both redirects
 * is refused (ingress-nginx lets one win silently).
 */
final class RedirectAnnotations implements PolicyAnnotation {
  static final String PERMANENT = "permanent-redirect";
  static final String PERMANENT_CODE = "permanent-redirect-code";
  static final String TEMPORAL = "temporal-redirect";
  static final String APP_ROOT = "app-root";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    String permanent = url(a, PERMANENT);
    String codeText = a.get(PERMANENT_CODE);
    String temporal = url(a, TEMPORAL);
    String appRoot = a.get(APP_ROOT);
    int code = RedirectPolicy.DEFAULT_CODE;
    if (codeText != null) {
      try {
        code = Integer.parseInt(codeText.trim());
      } catch (NumberFormatException e) {
        throw a.invalid(PERMANENT_CODE, "must be a 3xx status code such as 301 or 308");
      }
      if (code < 300 || code > 399) {
        throw a.invalid(PERMANENT_CODE, "must be a 3xx status code such as 301 or 308");
      }
      if (permanent == null) {
        throw a.invalid(PERMANENT_CODE, "needs " + IngressAnnotations.PREFIX + PERMANENT);
      }
    }
    if (permanent != null && temporal != null) {
      throw a.invalid(TEMPORAL, "set either permanent-redirect or temporal-redirect, not both");
    }
    if (appRoot != null) {
      appRoot = appRoot.trim();
      if (!appRoot.startsWith("/") || appRoot.equals("/") || !clean(appRoot)) {
        throw a.invalid(APP_ROOT, "must be a path other than / (e.g. /app), without blanks");
      }
    }
    String url = permanent != null ? permanent : temporal;
    if (url != null || appRoot != null) {
      policy.redirect(new RedirectPolicy(url, temporal != null ? 302 : code, appRoot));
    }
  }

  private static String url(IngressAnnotations a, String name) throws InvalidAnnotation {
    String v = a.get(name);
    if (v == null) {
      return null;
    }
    v = v.trim();
    boolean absolute = v.startsWith("http://") || v.startsWith("https://");
    if (!(absolute || v.startsWith("/")) || !clean(v)) {
      throw a.invalid(name, "must be an http(s):// URL or a path, without blanks");
    }
    return v;
  }

  private static boolean clean(String v) {
    return HeaderValues.isValidValue(v) && v.indexOf(' ') < 0 && v.indexOf('\t') < 0;
  }
}
