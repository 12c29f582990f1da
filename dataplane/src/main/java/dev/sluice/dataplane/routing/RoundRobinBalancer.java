package dev.sluice.dataplane.routing;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin that interleaves smoothly, as nginx's "smooth weighted round-robin" does:
 * weights 5:1:1 give {@code a a b a c a a}, not {@code a a a a a b c}. The sequence is computed
 * once, when the snapshot is compiled, and the request path only takes the next slot of it with one
 * atomic increment.
 *
 * <p>Weights are divided by their greatest common divisor; when they still add up to more than
 * {@link #MAX_SCHEDULE} they are scaled down proportionally (each stays at least 1), so a group
 * with weights like 1,000,000 : 1 costs a bounded array, at the price of rounding the shares.
 *
 * <p>Thread safety: any thread; the position is an {@link AtomicLong}, the schedule is immutable.
 */
final class RoundRobinBalancer implements Balancer {
  /** Upper bound on the schedule length, unless there are more endpoints than this. */
  static final int MAX_SCHEDULE = 10_000;

  private final EndpointState[] states;

  /** Indexes into {@link #states}, one full cycle; {@code null} when all weights are equal. */
  private final int[] schedule;

  private final int cycle;
  private final AtomicLong position = new AtomicLong();

  /**
   * @param states at least two endpoints, all with weight > 0
   */
  RoundRobinBalancer(List<EndpointState> states) {
    if (states.size() < 2) {
      throw new IllegalArgumentException("needs two endpoints or more, got " + states.size());
    }
    this.states = states.toArray(new EndpointState[0]);
    int[] weights = reducedWeights(this.states);
    this.schedule = allOne(weights) ? null : smoothSchedule(weights);
    this.cycle = schedule == null ? this.states.length : schedule.length;
  }

  @Override
  public EndpointState pick(EndpointState avoid) {
    long slot = position.getAndIncrement();
    EndpointState picked = at(slot);
    if (!Balancers.sameEndpoint(picked, avoid)) {
      return picked;
    }
    // Retry after a failure: the next different endpoint in the sequence, without moving the
    // shared position again (bounded by one cycle; there are at least two endpoints).
    for (int k = 1; k < cycle; k++) {
      EndpointState next = at(slot + k);
      if (!Balancers.sameEndpoint(next, avoid)) {
        return next;
      }
    }
    return picked;
  }

  /** Length of one cycle of the sequence; visible for tests. */
  int cycleLength() {
    return cycle;
  }

  private EndpointState at(long slot) {
    int i = (int) Long.remainderUnsigned(slot, cycle);
    return states[schedule == null ? i : schedule[i]];
  }

  private static int[] reducedWeights(EndpointState[] states) {
    long[] w = new long[states.length];
    long sum = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = states[i].endpoint().weight();
      sum += w[i];
    }
    if (sum / gcd(w) > MAX_SCHEDULE) {
      // Proportional shares of MAX_SCHEDULE; an endpoint never drops to 0 (it is ready and
      // weighted, so it must receive some traffic).
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.max(1, Math.round((double) w[i] * MAX_SCHEDULE / sum));
      }
    }
    long g = gcd(w);
    int[] reduced = new int[w.length];
    for (int i = 0; i < w.length; i++) {
      reduced[i] = (int) (w[i] / g);
    }
    return reduced;
  }

  /** nginx's algorithm: everyone gains its weight, the richest is picked and pays the total. */
  static int[] smoothSchedule(int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int[] schedule = new int[total];
    long[] current = new long[weights.length];
    for (int step = 0; step < total; step++) {
      int best = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      schedule[step] = best;
    }
    return schedule;
  }

  private static boolean allOne(int[] weights) {
    for (int w : weights) {
      if (w != 1) {
        return false;
      }
    }
    return true;
  }

  private static long gcd(long[] values) {
    long g = 0;
    for (long v : values) {
      long a = g;
      long b = v;
      while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
      }
      g = a;
    }
    return g == 0 ? 1 : g;
  }

  @Override
  public String toString() {
    return "RoundRobin" + List.of(states) + "/cycle=" + cycle;
  }
}
