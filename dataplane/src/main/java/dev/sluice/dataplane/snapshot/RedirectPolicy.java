package dev.sluice.dataplane.snapshot;

/**
 * Redirects answered before the upstream: {@code permanent-redirect} and {@code app-root}.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no redirects. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record RedirectPolicy() {
  public static final RedirectPolicy NONE = new RedirectPolicy();

  /** Whether the route has no redirects (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
