package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.routing.Balancer;
import dev.sluice.dataplane.routing.EndpointRegistry;
import dev.sluice.dataplane.routing.RouteTable;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.time.Instant;
import java.util.List;

/**
 * A real {@link Balancer} for a backend group, obtained the only public way there is: compiling a
 * snapshot. (The passthrough table is not compiled by the routing package yet; once it is, tests
 * should take the balancer from there.)
 */
final class TestBalancers {
  private TestBalancers() {}

  static BackendGroup group(int... ports) {
    return new BackendGroup(
        "test/backend",
        java.util.Arrays.stream(ports).mapToObj(p -> Endpoint.of("127.0.0.1", p)).toList(),
        BackendGroup.LoadBalancing.ROUND_ROBIN,
        BackendGroup.UpstreamProtocol.HTTP);
  }

  static Balancer balancer(BackendGroup group) {
    VirtualHost vh =
        new VirtualHost(
            "balancer.test",
            List.of(new HttpRoute("t", HttpRoute.PathType.PREFIX, "/", group, RoutePolicy.DEFAULT)));
    RouteTable table =
        RouteTable.compile(
            new Snapshot(1, Instant.now(), List.of(vh), List.of(), List.of()),
            new EndpointRegistry());
    return table.match("balancer.test", "/").balancer();
  }
}
