package dev.sluice.dataplane.snapshot;

/**
 * Changes to the request line and Host on the way upstream: {@code rewrite-target}, {@code
 * use-regex}, {@code upstream-vhost}, {@code x-forwarded-prefix}.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route changes nothing. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 *
 * @param target the new path; {@code null} for none. Without {@link #regex} the part of the path
 *     the route matched (its path, trailing slash ignored) is replaced by it; with {@link #regex}
 *     the whole path is replaced by it, {@code $1}..{@code $9} standing for the groups the route's
 *     path expression captured. The query is kept either way.
 * @param regex the route's ImplementationSpecific path is a regular expression (RE2 syntax, matched
 *     case-insensitively from the start of the path, as ingress-nginx's {@code ~*} locations)
 * @param upstreamVhost the Host header sent upstream; {@code null}: the client's
 * @param forwardedPrefix the {@code X-Forwarded-Prefix} header sent upstream; {@code null}: none
 */
public record RewritePolicy(
    String target, boolean regex, String upstreamVhost, String forwardedPrefix) {
  public static final RewritePolicy NONE = new RewritePolicy(null, false, null, null);

  public RewritePolicy {
    if (target != null
        && (!target.startsWith("/")
            || !HeaderValues.isValidValue(target)
            || target.contains(" "))) {
      throw new IllegalArgumentException(
          "rewrite target must be a path starting with /, without blanks: " + target);
    }
    if (upstreamVhost != null
        && (upstreamVhost.isEmpty()
            || !HeaderValues.isValidValue(upstreamVhost)
            || upstreamVhost.contains(" "))) {
      throw new IllegalArgumentException("upstream vhost must be a host name: " + upstreamVhost);
    }
    if (forwardedPrefix != null && !HeaderValues.isValidValue(forwardedPrefix)) {
      throw new IllegalArgumentException("x-forwarded-prefix holds control characters");
    }
  }

  /**
   * Whether the request is changed (a route with {@code use-regex} alone only matches differently).
   */
  public boolean changesRequest() {
    return target != null || upstreamVhost != null || forwardedPrefix != null;
  }

  /** Whether the route changes nothing (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
