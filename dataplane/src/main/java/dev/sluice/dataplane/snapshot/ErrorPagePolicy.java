package dev.sluice.dataplane.snapshot;

/**
 * {@code custom-http-errors}: upstream statuses answered with a page from a named Service.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no error pages. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record ErrorPagePolicy() {
  public static final ErrorPagePolicy NONE = new ErrorPagePolicy();

  /** Whether the route has no error pages (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
