package dev.sluice.dataplane.routing;

import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Peak EWMA ({@code load-balance: ewma}), as Finagle and ingress-nginx do it: draw two distinct
 * endpoints at random and take the one with the lower {@code latency * (inFlight + 1) / weight},
 * where latency is the endpoint's decaying peak-EWMA of response latency ({@link
 * EndpointState#recordLatency}). An endpoint that was never measured scores 0 (so new endpoints get
 * tried at once) until it has a request in flight; then it scores a penalty until its first
 * response, so a burst does not all land on an endpoint of unknown speed. A failed attempt (refused,
 * timed out, closed before answering) counts as a slow response ({@link #onFailure}), so an endpoint
 * that fails fast does not attract traffic by looking fast.
 *
 * <p>Thread safety: any thread; reads and records the endpoints' shared state, holds none itself.
 */
final class EwmaBalancer implements Balancer {
  /** Score of an endpoint with requests in flight and no latency measured yet. */
  static final double PENALTY = Double.MAX_VALUE / 2;

  /** What a failed attempt counts as at least: slower than any answer a page should wait for. */
  static final long FAILURE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final EndpointState[] states;

  /**
   * @param states at least two endpoints, all with weight > 0
   */
  EwmaBalancer(List<EndpointState> states) {
    if (states.size() < 2) {
      throw new IllegalArgumentException("needs two endpoints or more, got " + states.size());
    }
    this.states = states.toArray(new EndpointState[0]);
  }

  @Override
  public EndpointState pick(EndpointState avoid) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int n = states.length;
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) {
      b++; // distinct from a, uniformly
    }
    long now = System.nanoTime();
    boolean aWins = score(states[a], now) <= score(states[b], now);
    EndpointState winner = aWins ? states[a] : states[b];
    EndpointState other = aWins ? states[b] : states[a];
    return Balancers.sameEndpoint(winner, avoid) ? other : winner;
  }

  static double score(EndpointState s, long now) {
    double latency = s.latencyNanos(now);
    int inFlight = s.inFlight();
    if (latency == 0) {
      return inFlight > 0 ? PENALTY : 0;
    }
    return latency * (inFlight + 1) / s.endpoint().weight();
  }

  @Override
  public void onResponseHead(
      EndpointState picked, PickContext request, HttpResponse response, long latencyNanos) {
    picked.recordLatency(latencyNanos, System.nanoTime());
  }

  /** A failure counts as a response of {@link #FAILURE_NANOS}, or twice the average if slower. */
  @Override
  public void onFailure(EndpointState failed) {
    long now = System.nanoTime();
    failed.recordLatency((long) Math.max(FAILURE_NANOS, 2 * failed.latencyNanos(now)), now);
  }

  @Override
  public String toString() {
    return "Ewma" + List.of(states);
  }
}
