package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps {@link EndpointState} alive across snapshots, keyed by backend group name and endpoint
 * authority. Only touched when a snapshot is compiled (never on the request path).
 *
 * <p>Thread safety: compile runs on the publishing thread; the map is concurrent so that a compile
 * never races a previous one.
 */
public final class EndpointRegistry {
  private final Map<String, EndpointState> states = new ConcurrentHashMap<>();

  EndpointState stateFor(String groupName, Endpoint endpoint) {
    String key = groupName + "|" + endpoint.authority();
    EndpointState state = states.get(key);
    if (state == null || !state.endpoint().equals(endpoint)) {
      // weight or readiness changed: new state object, but keep the in-flight count meaningful by
      // letting requests started on the old object finish on it.
      state = new EndpointState(endpoint);
      states.put(key, state);
    }
    return state;
  }

  /** Forgets endpoints no longer referenced by the newest snapshot. */
  void retainOnly(java.util.Set<String> liveKeys) {
    states.keySet().retainAll(liveKeys);
  }

  static String key(String groupName, Endpoint endpoint) {
    return groupName + "|" + endpoint.authority();
  }
}
