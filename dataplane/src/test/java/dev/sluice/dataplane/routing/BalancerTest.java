package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.Routes.balancer;
import static dev.sluice.dataplane.routing.Routes.ep;
import static dev.sluice.dataplane.routing.Routes.group;
import static dev.sluice.dataplane.routing.Routes.notReady;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Round robin and least-request picking, as the request path sees them. */
class BalancerTest {

  /** A group of endpoints e0, e1 ... with these weights ("1:2:3"). */
  static BackendGroup weighted(LoadBalancing policy, String weights) {
    int[] w = Arrays.stream(weights.split(":")).mapToInt(Integer::parseInt).toArray();
    Endpoint[] eps = new Endpoint[w.length];
    for (int i = 0; i < w.length; i++) {
      eps[i] = ep("e" + i, w[i]);
    }
    return group("default/web:80", policy, eps);
  }

  static List<String> picks(Balancer balancer, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(balancer.pick(null).endpoint().address());
    }
    return out;
  }

  static Map<String, Integer> counts(List<String> picks) {
    Map<String, Integer> counts = new TreeMap<>();
    picks.forEach(p -> counts.merge(p, 1, Integer::sum));
    return counts;
  }

  @ParameterizedTest(name = "[{index}] weights {0}, {1} picks ⇒ {2}")
  @CsvSource(
      delimiterString = "|",
      textBlock =
          """
          1:2:3       | 6000 | e0=1000, e1=2000, e2=3000
          1:1:1       | 3000 | e0=1000, e1=1000, e2=1000
          5:1:1       | 700  | e0=500, e1=100, e2=100
          2:4:6       | 1200 | e0=200, e1=400, e2=600
          3:0:1       | 400  | e0=300, e2=100
          100:1       | 1010 | e0=1000, e1=10
          """)
  void roundRobinGivesExactShares(String weights, int n, String expected) {
    Balancer rr = balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, weights));
    Map<String, Integer> counts = counts(picks(rr, n));
    assertThat(counts.toString()).isEqualTo("{" + expected + "}".replace(" ", ""));
  }

  @Test
  void roundRobinInterleavesLikeNginxSmoothWeightedRoundRobin() {
    Balancer rr = balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, "5:1:1"));
    // the example in nginx's ngx_http_upstream_round_robin.c: { a, a, b, a, c, a, a }
    assertThat(picks(rr, 14))
        .containsExactly(
            "e0", "e0", "e1", "e0", "e2", "e0", "e0", "e0", "e0", "e1", "e0", "e2", "e0", "e0");
  }

  @Test
  void roundRobinEveryWindowOfOneCycleHasExactShares() {
    Balancer rr = balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, "1:2:3"));
    List<String> picks = picks(rr, 600);
    for (int start = 0; start + 6 <= picks.size(); start++) {
      assertThat(counts(picks.subList(start, start + 6)))
          .as("window at %d", start)
          .containsEntry("e0", 1)
          .containsEntry("e1", 2)
          .containsEntry("e2", 3);
    }
  }

  @Test
  void roundRobinWithEqualWeightsNeverRepeatsAnEndpoint() {
    Balancer rr = balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, "1:1:1"));
    List<String> picks = picks(rr, 300);
    for (int i = 1; i < picks.size(); i++) {
      assertThat(picks.get(i)).isNotEqualTo(picks.get(i - 1));
    }
  }

  @Test
  void hugeWeightsKeepTheScheduleBoundedAndEveryEndpointServed() {
    Balancer rr =
        balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, "1000000:999999:1"));
    int cycle = ((RoundRobinBalancer) rr).cycleLength();
    assertThat(cycle).isBetween(3, RoundRobinBalancer.MAX_SCHEDULE + 3);
    Map<String, Integer> counts = counts(picks(rr, cycle));
    assertThat(counts.get("e2")).isEqualTo(1);
    assertThat(counts.get("e0")).isBetween(counts.get("e1"), counts.get("e1") + 1);
  }

  @Test
  void leastRequestPrefersTheIdleEndpoint() {
    Balancer lr = balancer(new EndpointRegistry(), weighted(LoadBalancing.LEAST_REQUEST, "1:1"));
    EndpointState busy = stateOf(lr, "e0");
    busy.requestStarted();
    // with two endpoints both are compared on every pick
    assertThat(counts(picks(lr, 1000))).containsOnlyKeys("e1");
    busy.requestFinished();
    assertThat(counts(picks(lr, 1000))).containsKeys("e0", "e1");
  }

  @Test
  void leastRequestNeverPicksTheBusiestOfMany() {
    Balancer lr =
        balancer(new EndpointRegistry(), weighted(LoadBalancing.LEAST_REQUEST, "1:1:1:1"));
    EndpointState busy = stateOf(lr, "e2");
    for (int i = 0; i < 3; i++) {
      busy.requestStarted();
    }
    // every pair of random choices that holds e2 also holds an idle endpoint, which wins
    assertThat(counts(picks(lr, 2000))).containsOnlyKeys("e0", "e1", "e3");
  }

  @Test
  void leastRequestComparesRequestsPerUnitOfWeight() {
    Balancer lr = balancer(new EndpointRegistry(), weighted(LoadBalancing.LEAST_REQUEST, "4:1"));
    EndpointState heavy = stateOf(lr, "e0");
    EndpointState light = stateOf(lr, "e1");
    for (int i = 0; i < 4; i++) {
      heavy.requestStarted(); // 4 / 4 = 1 per unit
    }
    light.requestStarted();
    light.requestStarted(); // 2 / 1 = 2 per unit
    assertThat(counts(picks(lr, 200))).containsOnlyKeys("e0");
  }

  @ParameterizedTest
  @EnumSource(LoadBalancing.class)
  void notReadyAndZeroWeightEndpointsAreNeverPicked(LoadBalancing policy) {
    BackendGroup g =
        group("g", policy, ep("a", 1), notReady("down"), ep("zero", 0), ep("b", 2), notReady("x"));
    assertThat(counts(picks(balancer(new EndpointRegistry(), g), 3000))).containsOnlyKeys("a", "b");
  }

  @ParameterizedTest
  @EnumSource(LoadBalancing.class)
  void groupWithoutUsableEndpointPicksNull(LoadBalancing policy) {
    BackendGroup g = group("g", policy, notReady("down"), ep("zero", 0));
    assertThat(balancer(new EndpointRegistry(), g).pick(null)).isNull();
    assertThat(balancer(new EndpointRegistry(), group("empty", policy)).pick(null)).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "ROUND_ROBIN, 1:1",
    "ROUND_ROBIN, 100:1",
    "ROUND_ROBIN, 1:1:1",
    "LEAST_REQUEST, 1:1",
    "LEAST_REQUEST, 100:1:1"
  })
  void avoidedEndpointIsNotPickedWhenAnotherExists(LoadBalancing policy, String weights) {
    Balancer b = balancer(new EndpointRegistry(), weighted(policy, weights));
    EndpointState e0 = stateOf(b, "e0");
    for (int i = 0; i < 500; i++) {
      assertThat(b.pick(e0)).isNotNull().isNotSameAs(e0);
    }
  }

  @ParameterizedTest
  @EnumSource(LoadBalancing.class)
  void avoidingTheOnlyEndpointStillPicksIt(LoadBalancing policy) {
    Balancer b = balancer(new EndpointRegistry(), group("g", policy, ep("only", 1), notReady("x")));
    EndpointState only = b.pick(null);
    assertThat(b.pick(only)).isSameAs(only);
  }

  @Test
  void avoidRecognisesTheEndpointFromAnOlderSnapshot() {
    EndpointRegistry registry = new EndpointRegistry();
    EndpointState old =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1")), "e0");
    // e0's weight changed: the new snapshot has a new state object for it
    Balancer b = balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "2:1"));
    assertThat(stateOf(b, "e0")).isNotSameAs(old);
    for (int i = 0; i < 30; i++) {
      assertThat(b.pick(old).endpoint().address()).isEqualTo("e1");
    }
  }

  /** The state the balancer hands out for {@code address} (fails if it never does). */
  static EndpointState stateOf(Balancer balancer, String address) {
    for (int i = 0; i < 100_000; i++) {
      EndpointState s = balancer.pick(null);
      if (s.endpoint().address().equals(address)) {
        return s;
      }
    }
    throw new AssertionError(address + " never picked");
  }
}
