package dev.sluice.dataplane.snapshot;

/**
 * Per-route timeouts and sizes beyond the connect/response-head ones: {@code proxy-read-timeout}, {@code proxy-send-timeout}, {@code proxy-body-size}.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no transfer limits. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record TransferPolicy() {
  public static final TransferPolicy NONE = new TransferPolicy();

  /** Whether the route has no transfer limits (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
