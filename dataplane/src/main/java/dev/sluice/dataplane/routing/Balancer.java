package dev.sluice.dataplane.routing;

/**
 * Picks an endpoint of one backend group for one request. Built when a snapshot is compiled (and
 * kept by {@link EndpointRegistry} for the next snapshot while the group is unchanged).
 *
 * <p>Thread safety: called from any event loop concurrently; implementations use atomics only.
 */
public interface Balancer {

  /**
   * @param avoid an endpoint that just failed for this request (for the one retry), or {@code null}
   * @return a ready endpoint, preferring one other than {@code avoid}; {@code null} when the group
   *     has no ready endpoint
   */
  EndpointState pick(EndpointState avoid);
}
