package dev.sluice.dataplane.routing;

import io.netty.handler.codec.http.HttpResponse;

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

  /**
   * As {@link #pick(EndpointState)}, for an HTTP request: hashing and affinity balancers read their
   * key from {@code request}; the others ignore it.
   */
  default EndpointState pick(EndpointState avoid, PickContext request) {
    return pick(avoid);
  }

  /**
   * Called with the head of the response {@code picked} gave to {@code request}, before it goes
   * downstream: latency-aware balancers learn from it, affinity sets its cookie on it.
   *
   * @param latencyNanos from the request handed to the upstream connection to this head
   */
  default void onResponseHead(
      EndpointState picked, PickContext request, HttpResponse response, long latencyNanos) {}

  /**
   * Called when {@code failed} could not be reached or dropped the request before any response
   * (refused, timed out, closed): latency-aware balancers count it as slow, so that an endpoint
   * that fails fast does not look fast.
   */
  default void onFailure(EndpointState failed) {}
}
