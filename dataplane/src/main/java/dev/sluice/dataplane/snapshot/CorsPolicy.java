package dev.sluice.dataplane.snapshot;

/**
 * Cross-origin resource sharing ({@code enable-cors} and friends).
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no CORS. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record CorsPolicy() {
  public static final CorsPolicy NONE = new CorsPolicy();

  /** Whether the route has no CORS (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
