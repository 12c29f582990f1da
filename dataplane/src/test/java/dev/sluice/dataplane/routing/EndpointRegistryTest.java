package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.BalancerTest.stateOf;
import static dev.sluice.dataplane.routing.BalancerTest.weighted;
import static dev.sluice.dataplane.routing.Routes.balancer;
import static dev.sluice.dataplane.routing.Routes.compileGroups;
import static dev.sluice.dataplane.routing.Routes.ep;
import static dev.sluice.dataplane.routing.Routes.group;
import static dev.sluice.dataplane.routing.Routes.notReady;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import org.junit.jupiter.api.Test;

/** What survives a snapshot swap, and what is forgotten. */
class EndpointRegistryTest {

  @Test
  void endpointStateSurvivesARecompile() {
    EndpointRegistry registry = new EndpointRegistry();
    // round robin reaches every endpoint whatever its load, so the test can fetch states by picking
    EndpointState before =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1")), "e0");
    before.requestStarted();
    before.requestStarted();

    RouteTable next =
        compileGroups(
            registry,
            weighted(LoadBalancing.ROUND_ROBIN, "1:1"),
            group("other", LoadBalancing.ROUND_ROBIN, ep("o", 1)));
    EndpointState after = stateOf(next.match(null, "/").balancer(), "e0");
    assertThat(after).isSameAs(before);
    assertThat(after.inFlight()).isEqualTo(2);
  }

  @Test
  void changedWeightGetsANewStateThatKeepsTheInFlightCount() {
    EndpointRegistry registry = new EndpointRegistry();
    EndpointState old =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1")), "e0");
    old.requestStarted();
    old.requestStarted();

    EndpointState changed =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "3:1")), "e0");
    assertThat(changed).isNotSameAs(old);
    assertThat(changed.endpoint().weight()).isEqualTo(3);
    assertThat(changed.inFlight()).isEqualTo(2);
    old.requestFinished(); // a request started before the swap ends after it
    assertThat(changed.inFlight()).isEqualTo(1);
  }

  @Test
  void statesNotInTheNewestSnapshotAreDropped() {
    EndpointRegistry registry = new EndpointRegistry();
    EndpointState gone =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1")), "e0");
    gone.requestStarted();
    assertThat(registry.size()).isEqualTo(2);

    compileGroups(registry, group("other", LoadBalancing.ROUND_ROBIN, ep("o", 1)));
    assertThat(registry.size()).isEqualTo(1);

    EndpointState fresh =
        stateOf(balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1")), "e0");
    assertThat(fresh).isNotSameAs(gone);
    assertThat(fresh.inFlight()).isZero();
  }

  @Test
  void listedButNotReadyEndpointKeepsItsState() {
    EndpointRegistry registry = new EndpointRegistry();
    EndpointState a =
        stateOf(
            balancer(registry, group("g", LoadBalancing.ROUND_ROBIN, ep("a", 1), ep("b", 1))), "a");
    a.requestStarted();
    balancer(registry, group("g", LoadBalancing.ROUND_ROBIN, notReady("a"), ep("b", 1)));
    EndpointState back =
        stateOf(
            balancer(registry, group("g", LoadBalancing.ROUND_ROBIN, ep("a", 1), ep("b", 1))), "a");
    assertThat(back.inFlight()).isEqualTo(1);
  }

  @Test
  void roundRobinContinuesAcrossAnUnchangedSnapshot() {
    EndpointRegistry registry = new EndpointRegistry();
    Balancer first = balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1:1"));
    assertThat(first.pick(null).endpoint().address()).isEqualTo("e0");
    Balancer second = balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1:1"));
    // not restarted at e0: frequent swaps must not pile load onto the first endpoint
    assertThat(second.pick(null).endpoint().address()).isEqualTo("e1");
  }

  @Test
  void changedPolicyBuildsANewBalancer() {
    EndpointRegistry registry = new EndpointRegistry();
    Balancer rr = balancer(registry, weighted(LoadBalancing.ROUND_ROBIN, "1:1"));
    Balancer lr = balancer(registry, weighted(LoadBalancing.LEAST_REQUEST, "1:1"));
    assertThat(rr).isInstanceOf(RoundRobinBalancer.class);
    assertThat(lr).isInstanceOf(LeastRequestBalancer.class);
  }
}
