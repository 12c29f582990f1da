package dev.sluice.dataplane.snapshot;

/**
 * Response compression (gzip, brotli, zstd) for compressible types above a size.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no compression. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 */
public record CompressionPolicy() {
  public static final CompressionPolicy NONE = new CompressionPolicy();

  /** Whether the route has no compression (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
