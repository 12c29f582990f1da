package dev.sluice.controller.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.Debouncer;
import dev.sluice.controller.cluster.Outcome.Address;
import dev.sluice.controller.crd.TLSPassthroughRouteStatus;
import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure parts of cluster mode: debouncing, route conditions, addresses, change filtering. */
class StatusPiecesTest {
  private static final long MS = 1_000_000;

  @Test
  void debouncerWaitsForQuietButNotLongerThanMaxDelay() {
    Debouncer d = new Debouncer(Duration.ofMillis(100), Duration.ofSeconds(1));
    assertThat(d.nanosUntilDue(0)).isEqualTo(Long.MAX_VALUE);
    d.changed(0);
    assertThat(d.due(50 * MS)).isFalse();
    assertThat(d.due(100 * MS)).isTrue();
    for (long t = 0; t < 1000; t += 50) {
      d.changed(t * MS); // a steady trickle never goes quiet...
    }
    assertThat(d.due(999 * MS)).isFalse();
    assertThat(d.due(1000 * MS)).isTrue(); // ...but the first change is served within max delay
    d.clear();
    assertThat(d.isDirty()).isFalse();
  }

  @Test
  void routeConditionsFollowProblemsAndKeepTransitionTimes() {
    TLSPassthroughRouteStatus ok = RouteConditions.status(List.of(), 2L, null);
    assertThat(ok.getObservedGeneration()).isEqualTo(2L);
    assertThat(ok.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Accepted", "True", "Accepted"),
            org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True", "ResolvedRefs"));
    assertThat(RouteConditions.status(List.of(), 2L, ok).getConditions()).isEqualTo(ok.getConditions());

    List<ResourceProblem> problems = List.of(
        new ResourceProblem("TLSPassthroughRoute", "ns", "r", Reason.HostnameConflict, "db.test is held by ns/a"),
        new ResourceProblem("TLSPassthroughRoute", "ns", "r", Reason.BackendNotFound, "service \"ns/x\" not found"));
    TLSPassthroughRouteStatus bad = RouteConditions.status(problems, 3L, ok);
    assertThat(bad.getConditions()).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("False", "HostnameConflict"),
            org.assertj.core.groups.Tuple.tuple("False", "BackendNotFound"));
    assertThat(bad.getConditions().getFirst().getObservedGeneration()).isEqualTo(3L);
  }

  @Test
  void publishAddressIsAnIpOrAHostname() {
    assertThat(StatusBook.addresses(Optional.empty(), "10.1.2.3")).containsExactly(new Address("10.1.2.3", null));
    assertThat(StatusBook.addresses(Optional.empty(), "fd00::1")).containsExactly(new Address("fd00::1", null));
    assertThat(StatusBook.addresses(Optional.empty(), "lb.example.org"))
        .containsExactly(new Address(null, "lb.example.org"));
    var svc = new ServiceBuilder().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("1.1.1.1")
        .endIngress().addNewIngress().withHostname("x.elb.example").endIngress().endLoadBalancer().endStatus().build();
    assertThat(StatusBook.addresses(Optional.of(svc), null))
        .containsExactly(new Address("1.1.1.1", null), new Address(null, "x.elb.example"));
    assertThat(StatusBook.addresses(Optional.empty(), null)).isEmpty();
  }

  @Test
  void ownStatusWritesDoNotTriggerRebuilds() {
    var before = new IngressBuilder().withNewMetadata().withName("a").withResourceVersion("1").withGeneration(1L)
        .endMetadata().build();
    var statusOnly = new IngressBuilder(before).editMetadata().withResourceVersion("2").endMetadata()
        .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("1.2.3.4").endIngress().endLoadBalancer()
        .endStatus().build();
    var specChange = new IngressBuilder(before).editMetadata().withResourceVersion("3").withGeneration(2L)
        .endMetadata().build();
    var annotated = new IngressBuilder(before).editMetadata().withResourceVersion("4")
        .withAnnotations(Map.of("kubernetes.io/ingress.class", "x")).endMetadata().build();
    assertThat(ClusterCache.relevant(before, before)).isFalse();
    assertThat(ClusterCache.relevant(before, statusOnly)).isFalse();
    assertThat(ClusterCache.relevant(before, specChange)).isTrue();
    assertThat(ClusterCache.relevant(before, annotated)).isTrue();
    var svc = new ServiceBuilder().withNewMetadata().withResourceVersion("1").endMetadata().build();
    var svc2 = new ServiceBuilder(svc).editMetadata().withResourceVersion("2").endMetadata().build();
    assertThat(ClusterCache.relevant(svc, svc2)).isTrue();
  }
}
