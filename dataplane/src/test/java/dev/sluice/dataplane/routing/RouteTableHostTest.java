package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.Routes.host;
import static dev.sluice.dataplane.routing.Routes.prefix;
import static dev.sluice.dataplane.routing.Routes.route;
import static dev.sluice.dataplane.routing.Routes.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** Host precedence: the table in src/test/resources/routing/host-precedence.csv, and edge cases. */
class RouteTableHostTest {
  private static final RouteTable TABLE = RouteTable.compile(hosts(), new EndpointRegistry());

  static Snapshot hosts() {
    return snapshot(
        host("a.example.org", prefix("exact-app", "/app")),
        host("*.example.org", prefix("wild-app", "/app"), prefix("wild-wild", "/wild")),
        host("only.example.com", route("only-x", PathType.EXACT, "/x")),
        host("Mixed.Example.NET", prefix("mixed", "/")),
        host("[::1]", prefix("ipv6", "/")),
        host("127.0.0.1", prefix("ipv4", "/")),
        host("empty.example.org"),
        host(VirtualHost.CATCH_ALL, prefix("catchall", "/")));
  }

  @ParameterizedTest(name = "[{index}] Host: {0}, {1} ⇒ {2}")
  @CsvFileSource(resources = "/routing/host-precedence.csv", delimiterString = "|")
  void hostHeaderPicksTheHostRuleThePrecedenceTableSays(String host, String uri, String expected) {
    CompiledRoute route = TABLE.match(host, uri);
    assertThat(route == null ? "NONE" : route.route().name()).isEqualTo(expected);
  }

  @Test
  void withoutCatchAllAnUnknownHostHasNoRoute() {
    RouteTable table =
        RouteTable.compile(
            snapshot(host("a.example.org", prefix("a", "/"))), new EndpointRegistry());
    assertThat(table.match("b.example.org", "/")).isNull();
    assertThat(table.match(null, "/")).isNull();
    assertThat(table.match("a.example.org", "/").route().name()).isEqualTo("a");
  }

  @Test
  void emptySnapshotRoutesNothing() {
    RouteTable table = RouteTable.compile(Snapshot.empty(), new EndpointRegistry());
    assertThat(table.match("a.example.org", "/")).isNull();
    assertThat(table.match(null, null)).isNull();
    assertThat(table.snapshot()).isEqualTo(Snapshot.empty());
  }

  @Test
  void compiledRouteCarriesItsVirtualHostAndRoute() {
    CompiledRoute route = TABLE.match("b.example.org", "/wild");
    assertThat(route.virtualHost().hostname()).isEqualTo("*.example.org");
    assertThat(route.route().path()).isEqualTo("/wild");
    assertThat(route.balancer().pick(null).endpoint().address()).isEqualTo("10.0.0.1");
  }

  @Test
  void virtualHostsWithTheSameNameAreMergedInOrder() {
    RouteTable table =
        RouteTable.compile(
            snapshot(
                host("a.example.org", prefix("first", "/x")),
                host("A.example.org.", prefix("second", "/x"), prefix("other", "/y"))),
            new EndpointRegistry());
    assertThat(table.match("a.example.org", "/x").route().name()).isEqualTo("first");
    assertThat(table.match("a.example.org", "/y").route().name()).isEqualTo("other");
  }

  @Test
  void invalidHostPatternIsRejectedWithItsName() {
    Snapshot bad = snapshot(host("a.*.example.org", prefix("x", "/")));
    assertThatThrownBy(() -> RouteTable.compile(bad, new EndpointRegistry()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a.*.example.org");
  }

  @Test
  void lookupAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    String[][] requests = {
      {"A.Example.Org:8080", "/app/deep/path?x=1"},
      {"b.example.org", "/wild/x"},
      {"[::1]:8080", "/"},
      {"unknown.test", "/z"},
      {"x", "http://b.example.org/app"},
    };
    long sink = 0;
    for (int i = 0; i < 20_000; i++) { // let the JIT settle first
      sink += TABLE.match(requests[i % 5][0], requests[i % 5][1]) == null ? 0 : 1;
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10_000; i++) {
      sink += TABLE.match(requests[i % 5][0], requests[i % 5][1]) == null ? 0 : 1;
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isEqualTo(30_000);
    // 10,000 lookups; even one 16-byte object per lookup would be 160,000 bytes
    assertThat(allocated).isLessThan(4_096);
  }
}
