package dev.sluice.dataplane.snapshot;

/**
 * Request and response headers to add, set or remove ({@code configuration}).
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no header rules. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record HeaderPolicy() {
  public static final HeaderPolicy NONE = new HeaderPolicy();

  /** Whether the route has no header rules (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
