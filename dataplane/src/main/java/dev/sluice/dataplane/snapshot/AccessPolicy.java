package dev.sluice.dataplane.snapshot;

/**
 * Who may use the route: source ranges, basic auth, external auth ({@code auth-url}), rate limits.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no access rules. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record AccessPolicy() {
  public static final AccessPolicy NONE = new AccessPolicy();

  /** Whether the route has no access rules (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
