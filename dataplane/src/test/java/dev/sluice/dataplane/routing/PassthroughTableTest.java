package dev.sluice.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.dataplane.snapshot.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PassthroughTableTest {
  private static final RouteTable TABLE = compile();

  private static RouteTable compile() {
    var db = new PassthroughRoute(
        "default/db",
        List.of("db.example.test", "*.pass.example.test"),
        Routes.group("default/db:443", LoadBalancing.ROUND_ROBIN, Routes.ep("127.0.0.1", 1)),
        ProxyProtocol.V2,
        Duration.ofSeconds(5),
        PassthroughRoute.DEFAULT_IDLE_TIMEOUT);
    var exact = new PassthroughRoute(
        "default/exact",
        List.of("a.pass.example.test"),
        Routes.group("default/exact:443", LoadBalancing.ROUND_ROBIN, Routes.ep("127.0.0.2", 1)),
        ProxyProtocol.NONE,
        Duration.ofSeconds(5),
        PassthroughRoute.DEFAULT_IDLE_TIMEOUT);
    var later = new PassthroughRoute(
        "default/later",
        List.of("db.example.test"),
        Routes.group("default/later:443", LoadBalancing.ROUND_ROBIN, Routes.ep("127.0.0.3", 1)),
        ProxyProtocol.NONE,
        Duration.ofSeconds(5),
        PassthroughRoute.DEFAULT_IDLE_TIMEOUT);
    Snapshot s = new Snapshot(1, Instant.EPOCH, List.of(), List.of(db, exact, later), List.of());
    return RouteTable.compile(s, new EndpointRegistry());
  }

  @ParameterizedTest(name = "SNI {0} -> {1}")
  @CsvSource(
      nullValues = "none",
      value = {
        "db.example.test, default/db", // first route listing a name wins
        "DB.Example.Test, default/db",
        "db.example.test., default/db",
        "a.pass.example.test, default/exact", // exact beats wildcard
        "b.pass.example.test, default/db",
        "pass.example.test, none", // wildcard needs one label
        "x.b.pass.example.test, none",
        "app.example.test, none",
        "none, none"
      })
  void sniPicksPassthroughRouteByExactThenWildcard(String sni, String expected) {
    CompiledPassthrough p = TABLE.passthrough(sni);
    assertThat(p == null ? null : p.route().name()).isEqualTo(expected);
    if (p != null) {
      assertThat(p.balancer().pick(null)).isNotNull();
    }
  }
}
