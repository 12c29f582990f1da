package dev.sluice.dataplane.snapshot;

/**
 * How the request is changed on its way upstream: {@code rewrite-target} (with {@code use-regex}) and {@code upstream-vhost}.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no rewrites. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record RewritePolicy() {
  public static final RewritePolicy NONE = new RewritePolicy();

  /** Whether the route has no rewrites (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
