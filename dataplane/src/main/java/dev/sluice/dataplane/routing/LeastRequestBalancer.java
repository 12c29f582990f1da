package dev.sluice.dataplane.routing;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two random choices: draw two distinct endpoints at random and take the one with fewer
 * requests in flight per unit of weight (ties: the first drawn, which is random). Cheaper than a
 * scan and, unlike picking the global minimum, does not send a burst from every event loop to the
 * same idle endpoint.
 *
 * <p>Thread safety: any thread; reads the endpoints' atomic counters, holds no state of its own.
 */
final class LeastRequestBalancer implements Balancer {
  private final EndpointState[] states;
  private final long[] weights;

  /**
   * @param states at least two endpoints, all with weight > 0
   */
  LeastRequestBalancer(List<EndpointState> states) {
    if (states.size() < 2) {
      throw new IllegalArgumentException("needs two endpoints or more, got " + states.size());
    }
    this.states = states.toArray(new EndpointState[0]);
    this.weights = new long[this.states.length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = this.states[i].endpoint().weight();
    }
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
    // inFlight[a] / weight[a] <= inFlight[b] / weight[b], without division
    boolean aWins = states[a].inFlight() * weights[b] <= states[b].inFlight() * weights[a];
    EndpointState winner = aWins ? states[a] : states[b];
    EndpointState other = aWins ? states[b] : states[a];
    return Balancers.sameEndpoint(winner, avoid) ? other : winner;
  }

  @Override
  public String toString() {
    return "LeastRequest" + List.of(states);
  }
}
