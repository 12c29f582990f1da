package dev.sluice.testing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds snapshots for tests in a line or two:
 *
 * <pre>{@code
 * Snapshot s = TestSnapshots.builder()
 *     .prefix("app.test", "/", backend.endpoint())
 *     .prefix("*", "/api", RoutePolicy.DEFAULT, a.endpoint(), b.endpoint())
 *     .build();
 * }</pre>
 *
 * Each route gets its own backend group named after host and path. Not thread-safe.
 */
public final class TestSnapshots {
  private static long versions;
  private final Map<String, List<HttpRoute>> hosts = new LinkedHashMap<>();
  private BackendGroup.LoadBalancing loadBalancing = BackendGroup.LoadBalancing.ROUND_ROBIN;
  private final List<PassthroughRoute> passthrough = new ArrayList<>();
  private final List<Certificate> certificates = new ArrayList<>();

  private TestSnapshots() {}

  public static TestSnapshots builder() {
    return new TestSnapshots();
  }

  /** A snapshot with one catch-all prefix route {@code /} to {@code endpoints}. */
  public static Snapshot catchAll(Endpoint... endpoints) {
    return builder().prefix(VirtualHost.CATCH_ALL, "/", endpoints).build();
  }

  public TestSnapshots loadBalancing(BackendGroup.LoadBalancing lb) {
    this.loadBalancing = lb;
    return this;
  }

  public TestSnapshots prefix(String host, String path, Endpoint... endpoints) {
    return route(host, HttpRoute.PathType.PREFIX, path, RoutePolicy.DEFAULT, endpoints);
  }

  public TestSnapshots prefix(String host, String path, RoutePolicy policy, Endpoint... endpoints) {
    return route(host, HttpRoute.PathType.PREFIX, path, policy, endpoints);
  }

  /** A prefix route to an HTTPS backend group with {@code tls} settings. */
  public TestSnapshots prefixTls(String host, String path, UpstreamTls tls, Endpoint... endpoints) {
    return prefixTls(host, path, BackendGroup.UpstreamProtocol.HTTPS, tls, endpoints);
  }

  /** A prefix route to an H2 (HTTP/2 over TLS) backend group with {@code tls} settings. */
  public TestSnapshots prefixH2(String host, String path, UpstreamTls tls, Endpoint... endpoints) {
    return prefixTls(host, path, BackendGroup.UpstreamProtocol.H2, tls, endpoints);
  }

  private TestSnapshots prefixTls(
      String host,
      String path,
      BackendGroup.UpstreamProtocol protocol,
      UpstreamTls tls,
      Endpoint... endpoints) {
    String name = host + "#prefix:" + path;
    BackendGroup group =
        new BackendGroup("test/" + name, List.of(endpoints), loadBalancing, protocol, tls);
    hosts
        .computeIfAbsent(host, h -> new ArrayList<>())
        .add(new HttpRoute(name, HttpRoute.PathType.PREFIX, path, group, RoutePolicy.DEFAULT));
    return this;
  }

  /** A prefix route to an h2c (HTTP/2 cleartext) backend group. */
  public TestSnapshots prefixH2c(String host, String path, Endpoint... endpoints) {
    String name = host + "#prefix:" + path;
    BackendGroup group =
        new BackendGroup(
            "test/" + name, List.of(endpoints), loadBalancing, BackendGroup.UpstreamProtocol.H2C);
    hosts
        .computeIfAbsent(host, h -> new ArrayList<>())
        .add(new HttpRoute(name, HttpRoute.PathType.PREFIX, path, group, RoutePolicy.DEFAULT));
    return this;
  }

  public TestSnapshots exact(String host, String path, Endpoint... endpoints) {
    return route(host, HttpRoute.PathType.EXACT, path, RoutePolicy.DEFAULT, endpoints);
  }

  public TestSnapshots route(
      String host, HttpRoute.PathType type, String path, RoutePolicy policy, Endpoint... endpoints) {
    String name = host + "#" + type.name().toLowerCase(java.util.Locale.ROOT) + ":" + path;
    BackendGroup group =
        new BackendGroup(
            "test/" + name, List.of(endpoints), loadBalancing, BackendGroup.UpstreamProtocol.HTTP);
    hosts.computeIfAbsent(host, h -> new ArrayList<>()).add(new HttpRoute(name, type, path, group, policy));
    return this;
  }

  /** A passthrough route {@code name} for {@code hostnames} to {@code endpoints}. */
  public TestSnapshots passthrough(
      String name, List<String> hostnames, PassthroughRoute.ProxyProtocol proxyProtocol,
      Endpoint... endpoints) {
    BackendGroup group =
        new BackendGroup(
            "test/pass/" + name, List.of(endpoints), loadBalancing, BackendGroup.UpstreamProtocol.HTTP);
    passthrough.add(
        new PassthroughRoute(
            name, hostnames, group, proxyProtocol, java.time.Duration.ofSeconds(2),
            PassthroughRoute.DEFAULT_IDLE_TIMEOUT));
    return this;
  }

  /** A certificate for TLS termination. */
  public TestSnapshots certificate(Certificate c) {
    certificates.add(c);
    return this;
  }

  public Snapshot build() {
    List<VirtualHost> vhosts = new ArrayList<>();
    hosts.forEach((h, routes) -> vhosts.add(new VirtualHost(h, routes)));
    long version;
    synchronized (TestSnapshots.class) {
      version = ++versions;
    }
    return new Snapshot(version, Instant.now(), vhosts, passthrough, certificates);
  }

  /** Route policy with the given timeouts (milliseconds) and defaults otherwise. */
  public static RoutePolicy policy(long connectMs, long responseHeaderMs) {
    return new RoutePolicy(
        java.time.Duration.ofMillis(connectMs),
        java.time.Duration.ofMillis(responseHeaderMs),
        RoutePolicy.DEFAULT_UPGRADED_IDLE_TIMEOUT,
        false,
        null);
  }
}
