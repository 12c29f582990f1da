package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What outlives a snapshot swap: the {@link EndpointState} of each endpoint (keyed by backend group
 * name and endpoint authority, so least-request counts survive) and the {@link Balancer} of each
 * group whose endpoints did not change (so round robin keeps its place instead of restarting at the
 * first endpoint on every swap, and no schedule is recomputed). Only touched when a snapshot is
 * compiled, never on the request path; entries the newest snapshot no longer references are dropped
 * at the end of each compile.
 *
 * <p>Thread safety: compile runs on the publishing thread; the maps are concurrent so that a
 * compile never corrupts them should two ever overlap.
 */
public final class EndpointRegistry {
  private final Map<String, EndpointState> states = new ConcurrentHashMap<>();
  private final Map<String, GroupBalancer> balancers = new ConcurrentHashMap<>();

  /** A group's balancer and the inputs it was built from. */
  private record GroupBalancer(
      BackendGroup.LoadBalancing policy, List<Endpoint> endpoints, Balancer balancer) {}

  /**
   * The balancer for {@code group}: the previous one if the group is unchanged, else a new one over
   * its ready endpoints of positive weight. Records the keys it uses in {@code live}.
   */
  Balancer balancerFor(BackendGroup group, Set<String> live) {
    live.add(groupKey(group.name()));
    List<EndpointState> usable = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Endpoint e : group.endpoints()) {
      String key = key(group.name(), e);
      live.add(key); // listed but not ready still keeps its state (and in-flight count) alive
      if (e.ready() && e.weight() > 0 && seen.add(key)) {
        usable.add(stateFor(group.name(), e));
      }
    }
    GroupBalancer previous = balancers.get(group.name());
    if (previous != null
        && previous.policy() == group.loadBalancing()
        && previous.endpoints().equals(group.endpoints())) {
      return previous.balancer();
    }
    Balancer balancer = Balancers.create(group.loadBalancing(), usable);
    balancers.put(
        group.name(), new GroupBalancer(group.loadBalancing(), group.endpoints(), balancer));
    return balancer;
  }

  /** The state for this endpoint of this group: kept if unchanged, successor if it changed. */
  EndpointState stateFor(String groupName, Endpoint endpoint) {
    return states.compute(
        key(groupName, endpoint),
        (k, state) -> {
          if (state == null) {
            return new EndpointState(endpoint);
          }
          return state.endpoint().equals(endpoint) ? state : state.withEndpoint(endpoint);
        });
  }

  /** Forgets endpoints and groups not referenced by the newest snapshot. */
  void retainOnly(Set<String> liveKeys) {
    states.keySet().retainAll(liveKeys);
    balancers.keySet().removeIf(name -> !liveKeys.contains(groupKey(name)));
  }

  /** Number of endpoint states kept; for tests and metrics. */
  int size() {
    return states.size();
  }

  static String key(String groupName, Endpoint endpoint) {
    return groupName + "|" + endpoint.authority();
  }

  private static String groupKey(String groupName) {
    // endpoint keys always contain '|' followed by an authority; this one ends with it
    return groupName + "|";
  }
}
