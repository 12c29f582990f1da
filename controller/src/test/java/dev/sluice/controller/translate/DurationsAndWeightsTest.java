package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationsAndWeightsTest {

  @Test
  void goStyleDurationsParse() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void badDurationsAreRejectedWithTheirText() {
    for (String bad : new String[] {"", "5", "soon", "-1s", "0s", "1d", "5 s"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + bad + "\"");
    }
  }

  private static Endpoint ep(String a, boolean ready) {
    return new Endpoint(a, 80, 1, ready);
  }

  @Test
  void eachServiceGetsItsWeightsShareWhateverItsPodCount() {
    List<Endpoint> out =
        BackendWeights.combine(
            List.of(List.of(ep("a1", true)), List.of(ep("b1", true), ep("b2", true), ep("b3", false))),
            List.of(1, 1));
    // a: one ready pod takes half; b: two ready pods share the other half.
    assertThat(out).extracting(Endpoint::weight).containsExactly(2, 1, 1, 1);
    assertThat(out).extracting(Endpoint::ready).containsExactly(true, true, true, false);
  }

  @Test
  void zeroWeightServiceGetsNothingAndOneServiceIsPlainRoundRobin() {
    assertThat(
            BackendWeights.combine(
                List.of(List.of(ep("a", true)), List.of(ep("b", true))), List.of(5, 0)))
        .extracting(Endpoint::weight)
        .containsExactly(1, 0);
    assertThat(BackendWeights.combine(List.of(List.of(ep("a", true), ep("b", true))), List.of(7)))
        .extracting(Endpoint::weight)
        .containsExactly(1, 1);
  }

  @Test
  void sameEndpointInTwoBackendsIsMergedWithSummedWeight() {
    assertThat(
            BackendWeights.combine(
                List.of(List.of(ep("a", true)), List.of(ep("a", true), ep("b", true))),
                List.of(1, 1)))
        .extracting(Endpoint::address, Endpoint::weight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", 3), org.assertj.core.groups.Tuple.tuple("b", 1));
  }
}
