package dev.sluice.dataplane.routing;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One weighted random choice ({@code load-balance: random}): each endpoint's share is its weight
 * over the total, with no shared state at all (nothing to contend on between event loops). For a
 * choice that also looks at load, {@code least_request} and {@code ewma} draw two at random.
 *
 * <p>Thread safety: any thread; immutable.
 */
final class RandomBalancer implements Balancer {
  private final EndpointState[] states;

  /** Running sums of the weights: endpoint i owns {@code [cumulative[i-1], cumulative[i])}. */
  private final long[] cumulative;

  /**
   * @param states at least two endpoints, all with weight > 0
   */
  RandomBalancer(List<EndpointState> states) {
    if (states.size() < 2) {
      throw new IllegalArgumentException("needs two endpoints or more, got " + states.size());
    }
    this.states = states.toArray(new EndpointState[0]);
    this.cumulative = new long[this.states.length];
    long sum = 0;
    for (int i = 0; i < cumulative.length; i++) {
      sum += this.states[i].endpoint().weight();
      cumulative[i] = sum;
    }
  }

  @Override
  public EndpointState pick(EndpointState avoid) {
    long r = ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
    int i = Arrays.binarySearch(cumulative, r);
    i = i >= 0 ? i + 1 : -i - 1; // the first running sum above r
    EndpointState picked = states[i];
    // a retry takes the next endpoint (there are at least two, so it differs)
    return Balancers.sameEndpoint(picked, avoid) ? states[(i + 1) % states.length] : picked;
  }

  @Override
  public String toString() {
    return "Random" + List.of(states);
  }
}
