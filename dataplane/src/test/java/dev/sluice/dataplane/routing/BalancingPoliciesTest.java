package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.Routes.balancer;
import static dev.sluice.dataplane.routing.Routes.ep;
import static dev.sluice.dataplane.routing.Routes.group;
import static dev.sluice.dataplane.routing.Routes.notReady;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.CookieAffinity;
import dev.sluice.dataplane.snapshot.HashKey;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** random, ewma, consistent hashing and cookie affinity as balancers. */
class BalancingPoliciesTest {

  private static PickContext request(String headerName, String value) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/p?q=1");
    if (headerName != null) {
      r.headers().set(headerName, value);
    }
    return new PickContext() {
      @Override
      public HttpRequest request() {
        return r;
      }

      @Override
      public InetAddress clientAddress() {
        return InetAddress.getLoopbackAddress();
      }
    };
  }

  @ParameterizedTest
  @EnumSource(value = LoadBalancing.class, names = {"RANDOM", "EWMA"})
  void newAlgorithmsAvoidTheFailedEndpoint(LoadBalancing policy) {
    Balancer b = balancer(new EndpointRegistry(), BalancerTest.weighted(policy, "5:1:1"));
    EndpointState e0 = BalancerTest.stateOf(b, "e0");
    for (int i = 0; i < 300; i++) {
      assertThat(b.pick(e0)).isNotSameAs(e0);
    }
  }

  @Test
  void ewmaScoresLatencyTimesLoadAndForgetsOverTime() {
    EndpointState s = new EndpointState(ep("a", 2));
    long t0 = 1_000_000_000L;
    assertThat(EwmaBalancer.score(s, t0)).isZero(); // unmeasured, idle: try it
    s.requestStarted();
    assertThat(EwmaBalancer.score(s, t0)).isEqualTo(EwmaBalancer.PENALTY); // unmeasured, busy
    s.recordLatency(TimeUnit.MILLISECONDS.toNanos(100), t0);
    // 100 ms * (1 in flight + 1) / weight 2
    assertThat(EwmaBalancer.score(s, t0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    s.recordLatency(TimeUnit.MILLISECONDS.toNanos(300), t0 + 1); // a peak replaces at once
    assertThat(s.latencyNanos(t0 + 1)).isCloseTo(3e8, org.assertj.core.data.Offset.offset(1e3));
    // one decay period later the average is down to 1/e
    double later = s.latencyNanos(t0 + 1 + EndpointState.DECAY_NANOS);
    assertThat(later).isCloseTo(3e8 / Math.E, org.assertj.core.data.Offset.offset(1e3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"$http_x_user", "$cookie_user", "$remote_addr", "$request_uri"})
  void hashKeysRoundTripInIngressNginxSyntax(String text) {
    assertThat(HashKey.parse(text).toString()).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "$host", "$http_", "x-user", "$http_a b", "$request_uri$host"})
  void otherHashKeysAreRefused(String text) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HashKey.parse(text))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hashWalksPastAFailedEndpointAndNotReadyOnes() {
    BackendGroup g =
        group("g", LoadBalancing.ROUND_ROBIN, ep("a", 1), ep("b", 1), notReady("c"), ep("d", 1))
            .withBalancing(LoadBalancing.ROUND_ROBIN, HashKey.parse("$http_x_user"), null);
    Balancer b = balancer(new EndpointRegistry(), g);
    for (int u = 0; u < 100; u++) {
      PickContext ctx = request("x-user", "u" + u);
      EndpointState first = b.pick(null, ctx);
      assertThat(first.endpoint().address()).isNotEqualTo("c");
      assertThat(b.pick(null, ctx)).isSameAs(first);
      assertThat(b.pick(first, ctx)).isNotSameAs(first);
    }
  }

  @Test
  void affinityTokensAreStableOpaqueAndPerGroup() {
    String t = AffinityBalancer.token("default/web:80", "10.0.0.1:8080");
    assertThat(t).matches("[0-9a-f]{24}").isEqualTo(AffinityBalancer.token("default/web:80", "10.0.0.1:8080"));
    assertThat(AffinityBalancer.token("default/api:80", "10.0.0.1:8080")).isNotEqualTo(t);
    assertThat(AffinityBalancer.token("default/web:80", "10.0.0.2:8080")).isNotEqualTo(t);
  }

  @Test
  void affinityIgnoresUnknownTokensAndFollowsKnownOnes() {
    BackendGroup g =
        group("g", LoadBalancing.ROUND_ROBIN, ep("a", 1), ep("b", 1))
            .withBalancing(LoadBalancing.ROUND_ROBIN, null, CookieAffinity.of("S", "/"));
    Balancer b = balancer(new EndpointRegistry(), g);
    String tokenB = AffinityBalancer.token("g", "b:8080");
    for (int i = 0; i < 10; i++) {
      assertThat(b.pick(null, request("cookie", "x=1; S=" + tokenB)).endpoint().address())
          .isEqualTo("b");
    }
    assertThat(b.pick(null, request("cookie", "S=nonsense"))).isNotNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = "|",
      textBlock =
          """
          a=1; b=2          | b | 2
          a=1;b=2           | b | 2
          ab=1; b=3         | b | 3
          b="q"             | b | q
          a=1               | b |
          b=                | b | ''
          """)
  void cookieValuesAreFoundWithoutDecodingTheRest(String header, String name, String expected) {
    assertThat(Cookies.value(header, name)).isEqualTo(expected);
  }
}
