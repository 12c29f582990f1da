package dev.sluice.dataplane.snapshot;

/**
 * Redirects answered before the upstream: {@code permanent-redirect} / {@code temporal-redirect}
 * and {@code app-root}.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no redirects. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 *
 * @param url every request of the route is answered with {@code code} and {@code Location: url}
 *     (the URL as written: request path and query are not appended, as in ingress-nginx); {@code
 *     null} for none
 * @param code the redirect status, 300-399 (301 for permanent-redirect, 302 for temporal-redirect)
 * @param appRoot a request for exactly {@code /} is answered with 302 to this path; {@code null}
 *     for none
 */
public record RedirectPolicy(String url, int code, String appRoot) {
  public static final int DEFAULT_CODE = 301;
  public static final RedirectPolicy NONE = new RedirectPolicy(null, DEFAULT_CODE, null);

  public RedirectPolicy {
    if (code < 300 || code > 399) {
      throw new IllegalArgumentException("redirect code must be 3xx: " + code);
    }
    if (url != null && (url.isEmpty() || !HeaderValues.isValidValue(url) || url.contains(" "))) {
      throw new IllegalArgumentException(
          "redirect URL must be non-empty, without blanks or control characters");
    }
    if (appRoot != null
        && (!appRoot.startsWith("/")
            || !HeaderValues.isValidValue(appRoot)
            || appRoot.contains(" "))) {
      throw new IllegalArgumentException("app root must be a path starting with /, without blanks");
    }
  }

  /** Whether the route has no redirects (nothing to compile, nothing to show). */
  public boolean isNone() {
    return url == null && appRoot == null;
  }
}
