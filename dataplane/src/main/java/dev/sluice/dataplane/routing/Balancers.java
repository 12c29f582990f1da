package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import java.util.List;

/**
 * Builds the {@link Balancer} of one backend group, once per snapshot (and reused by {@link
 * EndpointRegistry} while the group does not change): the {@code load-balance} algorithm, under
 * consistent hashing when the group hashes ({@link BackendGroup#hashBy()}), under cookie affinity
 * when it has one ({@link BackendGroup#affinity()}) — ingress-nginx's precedence.
 *
 * <p>Stateless; called on the thread compiling a snapshot.
 */
final class Balancers {
  /** For a group without a ready endpoint of positive weight: the caller answers 503. */
  static final Balancer NO_ENDPOINT =
      new Balancer() {
        @Override
        public EndpointState pick(EndpointState avoid) {
          return null;
        }

        @Override
        public String toString() {
          return "NoEndpoint";
        }
      };

  private Balancers() {}

  /**
   * @param states the group's ready endpoints with weight > 0, in the group's order
   */
  static Balancer create(BackendGroup group, List<EndpointState> states) {
    if (states.isEmpty()) {
      return NO_ENDPOINT;
    }
    Balancer b = algorithm(group.loadBalancing(), states);
    if (group.hashBy() != null && states.size() > 1) {
      b = new HashRingBalancer(states, group.hashBy(), b);
    }
    if (group.affinity() != null) { // even for one endpoint: sessions stay when more come
      b = new AffinityBalancer(group.name(), states, group.affinity(), b);
    }
    return b;
  }

  static Balancer algorithm(BackendGroup.LoadBalancing policy, List<EndpointState> states) {
    if (states.size() == 1) {
      return new Single(states.get(0));
    }
    return switch (policy) {
      case ROUND_ROBIN -> new RoundRobinBalancer(states);
      case LEAST_REQUEST -> new LeastRequestBalancer(states);
      case RANDOM -> new RandomBalancer(states);
      case EWMA -> new EwmaBalancer(states);
    };
  }

  /**
   * Same endpoint, even when {@code avoid} came from an older snapshot whose state object was since
   * replaced.
   */
  static boolean sameEndpoint(EndpointState a, EndpointState avoid) {
    return a == avoid
        || (avoid != null
            && a.endpoint().port() == avoid.endpoint().port()
            && a.endpoint().address().equals(avoid.endpoint().address()));
  }

  /** One endpoint: nothing to choose, and no other to prefer over {@code avoid}. */
  private record Single(EndpointState state) implements Balancer {
    @Override
    public EndpointState pick(EndpointState avoid) {
      return state;
    }
  }
}
