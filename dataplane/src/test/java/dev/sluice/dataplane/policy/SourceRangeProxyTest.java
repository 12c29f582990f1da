package dev.sluice.dataplane.policy;

import static dev.sluice.dataplane.policy.Clients.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.SourceRanges;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** allow-source-range / deny-source-range through the real proxy, from distinct client IPs. */
class SourceRangeProxyTest {
  static TestBackend backend;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("ranges");
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static Snapshot snapshot(List<String> allow, List<String> deny) {
    RoutePolicy p =
        RoutePolicy.builder()
            .access(AccessPolicy.NONE.withSourceRanges(new SourceRanges(allow, deny)))
            .build();
    return TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build();
  }

  @Test
  void onlyClientsInTheAllowListGetThrough() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(List.of("127.0.0.2/32", "10.0.0.0/8"), List.of()));
      assertThat(get("127.0.0.2", proxy.port(), "/echo").status()).isEqualTo(200);
      assertThat(get("127.0.0.3", proxy.port(), "/echo").status()).isEqualTo(403);
      assertThat(get("127.0.0.1", proxy.port(), "/echo").status()).isEqualTo(403);
    }
  }

  @Test
  void denyWinsOverAllow() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(List.of("127.0.0.0/8"), List.of("127.0.0.3")));
      assertThat(get("127.0.0.2", proxy.port(), "/echo").status()).isEqualTo(200);
      assertThat(get("127.0.0.3", proxy.port(), "/echo").status()).isEqualTo(403);
    }
  }

  @Test
  void denyOnlyLetsEveryoneElseThrough() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(List.of(), List.of("127.0.0.4/32")));
      assertThat(get("127.0.0.5", proxy.port(), "/echo").status()).isEqualTo(200);
      assertThat(get("127.0.0.4", proxy.port(), "/echo").status()).isEqualTo(403);
    }
  }

  @Test
  void behindTrustedProxiesTheForwardedClientIsCheckedIpv4Ipv6AndMapped() throws Exception {
    try (TestProxy proxy =
        TestProxy.start(b -> b.trustedProxies(new TrustedProxies.Cidrs(List.of("127.0.0.1"))))) {
      proxy.publish(snapshot(List.of("203.0.113.0/24", "2001:db8::/32"), List.of("203.0.113.66")));
      int port = proxy.port();
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: 203.0.113.7").status())
          .isEqualTo(200);
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: 198.51.100.1").status())
          .isEqualTo(403);
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: 203.0.113.66").status())
          .isEqualTo(403);
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: 2001:db8::5").status())
          .isEqualTo(200);
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: 2001:db9::5").status())
          .isEqualTo(403);
      // an IPv4-mapped IPv6 client counts as its IPv4 address
      assertThat(get("127.0.0.1", port, "/echo", "X-Forwarded-For: ::ffff:203.0.113.9").status())
          .isEqualTo(200);
      // an untrusted peer cannot claim an allowed address
      assertThat(get("127.0.0.2", port, "/echo", "X-Forwarded-For: 203.0.113.7").status())
          .isEqualTo(403);
    }
  }

  @Test
  void invalidRangesAreRefusedWhenThePolicyIsBuilt() {
    assertThatThrownBy(() -> new SourceRanges(List.of("10.0.0.0/33"), List.of()))
        .hasMessageContaining("invalid source range '10.0.0.0/33'");
    assertThatThrownBy(() -> new SourceRanges(List.of("example.org"), List.of()))
        .hasMessageContaining("example.org");
    assertThatThrownBy(() -> new SourceRanges(List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
