package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.CookieAffinity;
import dev.sluice.dataplane.snapshot.HashKey;
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
  private final Map<BalancerKey, GroupBalancer> balancers = new ConcurrentHashMap<>();

  /**
   * A group as picked one way: two routes may send to the same group (same Service port) with
   * different annotations, and each keeps its own balancer across snapshots.
   */
  private record BalancerKey(
      String group, BackendGroup.LoadBalancing policy, HashKey hashBy, CookieAffinity affinity) {
    /** Its entry in the live set; endpoint keys never contain a newline, so these never clash. */
    String liveKey() {
      return "\n" + this;
    }
  }

  /** A group's balancer and the endpoints it was built from. */
  private record GroupBalancer(List<Endpoint> endpoints, Balancer balancer) {}

  /**
   * The balancer for {@code group}: the previous one if the group is unchanged, else a new one over
   * its ready endpoints of positive weight. Records the keys it uses in {@code live}.
   */
  Balancer balancerFor(BackendGroup group, Set<String> live) {
    List<EndpointState> usable = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Endpoint e : group.endpoints()) {
      String key = key(group.name(), e);
      live.add(key); // listed but not ready still keeps its state (and in-flight count) alive
      if (e.ready() && e.weight() > 0 && seen.add(key)) {
        usable.add(stateFor(group.name(), e));
      }
    }
    BalancerKey bk =
        new BalancerKey(group.name(), group.loadBalancing(), group.hashBy(), group.affinity());
    live.add(bk.liveKey());
    GroupBalancer previous = balancers.get(bk);
    if (previous != null && previous.endpoints().equals(group.endpoints())) {
      return previous.balancer();
    }
    Balancer balancer = Balancers.create(group, usable);
    balancers.put(bk, new GroupBalancer(group.endpoints(), balancer));
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
    balancers.keySet().removeIf(k -> !liveKeys.contains(k.liveKey()));
  }

  /** Number of endpoint states kept; for tests and metrics. */
  int size() {
    return states.size();
  }

  static String key(String groupName, Endpoint endpoint) {
    return groupName + "|" + endpoint.authority();
  }
}
