package dev.sluice.dataplane.snapshot;

/**
 * JWT validation of requests and a claim-to-header mapping.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no JWT validation. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record JwtPolicy() {
  public static final JwtPolicy NONE = new JwtPolicy();

  /** Whether the route has no JWT validation (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
