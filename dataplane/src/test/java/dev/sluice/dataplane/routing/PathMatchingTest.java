package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.Routes.parseRules;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.VirtualHost;
import io.netty.util.AsciiString;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** Path precedence within one host: the table in src/test/resources/routing/path-matching.csv. */
class PathMatchingTest {

  @ParameterizedTest(name = "[{index}] {0} ← {1} ⇒ {2}")
  @CsvFileSource(resources = "/routing/path-matching.csv", delimiterString = "|")
  void requestPathPicksTheRouteTheIngressSpecSays(String rules, String request, String expected) {
    List<HttpRoute> routes = parseRules(rules);
    for (String host : new String[] {VirtualHost.CATCH_ALL, "app.example.org"}) {
      RouteTable table =
          RouteTable.compile(
              Routes.snapshot(new VirtualHost(host, routes)), new EndpointRegistry());
      String hostHeader = host.equals(VirtualHost.CATCH_ALL) ? "whatever.test" : "app.example.org";
      assertThat(nameOf(table.match(hostHeader, request)))
          .as("host rule %s", host)
          .isEqualTo(expected);
      // any CharSequence works, e.g. the AsciiString Netty's HTTP/2 headers hand out
      assertThat(nameOf(table.match(new AsciiString(hostHeader), new AsciiString(request))))
          .isEqualTo(expected);
    }
  }

  private static String nameOf(CompiledRoute route) {
    return route == null ? "NONE" : route.route().name();
  }
}
