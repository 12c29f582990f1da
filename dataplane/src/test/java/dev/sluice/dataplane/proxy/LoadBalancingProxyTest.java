package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.Canary;
import dev.sluice.dataplane.snapshot.CookieAffinity;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HashKey;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code load-balance}, cookie affinity, {@code upstream-hash-by} and canaries through real
 * requests: a real proxy, real backends that say who they are, counted per answer.
 */
class LoadBalancingProxyTest {
  private static final Pattern BACKEND = Pattern.compile("\"backend\":\"([^\"]+)\"");
  private final List<TestBackend> backends = new ArrayList<>();
  private final TestProxy proxy = TestProxy.start();
  private HttpServer slow;

  @AfterEach
  void stop() {
    proxy.close();
    backends.forEach(TestBackend::close);
    if (slow != null) {
      slow.stop(0);
    }
  }

  private List<Endpoint> start(int n) {
    List<Endpoint> eps = new ArrayList<>();
    for (int i = backends.size(); i < n; i++) {
      backends.add(TestBackend.start("b" + (i + 1)));
    }
    for (int i = 0; i < n; i++) {
      eps.add(backends.get(i).endpoint());
    }
    return eps;
  }

  private static BackendGroup group(String name, List<Endpoint> eps, LoadBalancing lb) {
    return new BackendGroup(name, eps, lb, BackendGroup.UpstreamProtocol.HTTP);
  }

  private static Snapshot snapshot(BackendGroup group, Canary canary) {
    HttpRoute route =
        new HttpRoute("lb.test/", HttpRoute.PathType.PREFIX, "/", group, RoutePolicy.DEFAULT, canary);
    return new Snapshot(1, Instant.now(), List.of(new VirtualHost("lb.test", List.of(route))),
        List.of(), List.of());
  }

  private static String backendOf(RawHttp.Response r) {
    Matcher m = BACKEND.matcher(r.bodyText());
    assertThat(m.find()).as(r.bodyText()).isTrue();
    return m.group(1);
  }

  private static RawHttp.Response get(RawHttp client, String extraHeaders) throws IOException {
    RawHttp.Response r =
        client.send("GET /echo HTTP/1.1\r\nHost: lb.test\r\n" + extraHeaders + "\r\n").read();
    assertThat(r.status()).isEqualTo(200);
    return r;
  }

  private Map<String, Integer> count(int n, String extraHeaders) throws IOException {
    Map<String, Integer> hits = new HashMap<>();
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < n; i++) {
        hits.merge(backendOf(get(client, extraHeaders)), 1, Integer::sum);
      }
    }
    return hits;
  }

  @Test
  void randomSpreadsOverAllEndpointsByWeight() throws Exception {
    List<Endpoint> eps = start(3);
    List<Endpoint> weighted = List.of(eps.get(0), eps.get(1), backends.get(2).endpoint(0));
    proxy.publish(snapshot(group("g", weighted, LoadBalancing.RANDOM), null));
    Map<String, Integer> hits = count(300, "");
    assertThat(hits).containsOnlyKeys("b1", "b2"); // weight 0 gets nothing
    assertThat(hits.values()).allSatisfy(n -> assertThat(n).isBetween(90, 210));
  }

  @Test
  void ewmaSendsSequentialRequestsToTheFasterEndpoint() throws Exception {
    List<Endpoint> eps = start(1);
    slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slow.createContext(
        "/",
        ex -> {
          try {
            Thread.sleep(60);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "{\"backend\":\"slow\"}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    slow.start();
    Endpoint slowEp = Endpoint.of("127.0.0.1", slow.getAddress().getPort());
    proxy.publish(snapshot(group("g", List.of(eps.get(0), slowEp), LoadBalancing.EWMA), null));
    Map<String, Integer> hits = count(60, "");
    // each is tried while unmeasured; once both are measured the fast one wins every draw
    assertThat(hits.getOrDefault("slow", 0)).isLessThanOrEqualTo(3);
    assertThat(hits.get("b1")).isGreaterThanOrEqualTo(57);
  }

  @Test
  void ewmaStopsSendingToAnEndpointThatRefusesConnections() throws Exception {
    List<Endpoint> eps = start(1);
    Endpoint dead = Endpoint.of("127.0.0.1", dev.sluice.testing.Ports.refusing());
    proxy.publish(snapshot(group("g", List.of(dead, eps.get(0)), LoadBalancing.EWMA), null));
    Map<String, Integer> hits = count(50, ""); // GETs: a refused connect is retried on b1
    assertThat(hits).containsOnlyKeys("b1").containsEntry("b1", 50);
    // a refusal counts as a slow answer: after the first one the live endpoint wins every draw
    assertThat(proxy.errors("connect_refused")).isBetween(1.0, 3.0);
  }

  @Test
  void affinityCookieKeepsAClientOnOneEndpointUntilItIsNotReady() throws Exception {
    List<Endpoint> eps = start(3);
    CookieAffinity affinity =
        new CookieAffinity("INGRESSCOOKIE", "/", Duration.ofHours(1), CookieAffinity.SameSite.LAX, false);
    BackendGroup g = group("default/web:80", eps, LoadBalancing.ROUND_ROBIN).withBalancing(
        LoadBalancing.ROUND_ROBIN, null, affinity);
    proxy.publish(snapshot(g, null));
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      RawHttp.Response first = get(client, "");
      String setCookie = first.header("set-cookie");
      assertThat(setCookie)
          .matches("INGRESSCOOKIE=[0-9a-f]{24}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      String sticky = backendOf(first);
      assertThat(setCookie).doesNotContain("127.0.0.1"); // a token, not the address
      for (int i = 0; i < 20; i++) {
        RawHttp.Response r = get(client, "Cookie: a=b; " + cookie + "\r\n");
        assertThat(backendOf(r)).isEqualTo(sticky);
        assertThat(r.header("set-cookie")).isNull(); // already right: not set again
      }
      // the endpoint goes away: a fresh pick and a new cookie naming the new endpoint
      int idx = Integer.parseInt(sticky.substring(1)) - 1;
      List<Endpoint> changed = new ArrayList<>(eps);
      Endpoint gone = eps.get(idx);
      changed.set(idx, new Endpoint(gone.address(), gone.port(), 1, false));
      proxy.publish(
          snapshot(
              new BackendGroup(
                  g.name(), changed, g.loadBalancing(), g.protocol(), null, null, affinity),
              null));
      RawHttp.Response moved = get(client, "Cookie: " + cookie + "\r\n");
      assertThat(backendOf(moved)).isNotEqualTo(sticky);
      String newCookie = moved.header("set-cookie");
      assertThat(newCookie).startsWith("INGRESSCOOKIE=").doesNotStartWith(cookie + ";");
      String next = newCookie.substring(0, newCookie.indexOf(';'));
      for (int i = 0; i < 10; i++) {
        assertThat(backendOf(get(client, "Cookie: " + next + "\r\n"))).isEqualTo(backendOf(moved));
      }
    }
  }

  @Test
  void headerHashMapsEachKeyToOneEndpointAndAddingOneRemapsFew() throws Exception {
    List<Endpoint> eps = start(5);
    HashKey key = HashKey.parse("$http_x_user");
    BackendGroup four =
        group("g", eps.subList(0, 4), LoadBalancing.ROUND_ROBIN)
            .withBalancing(LoadBalancing.ROUND_ROBIN, key, null);
    proxy.publish(snapshot(four, null));
    int users = 200;
    Map<String, String> before = new HashMap<>();
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int round = 0; round < 3; round++) {
        for (int u = 0; u < users; u++) {
          String b = backendOf(get(client, "X-User: user-" + u + "\r\n"));
          String earlier = before.putIfAbsent("user-" + u, b);
          assertThat(earlier == null || earlier.equals(b)).as("user-" + u).isTrue();
        }
      }
      assertThat(new java.util.HashSet<>(before.values())).hasSize(4); // all endpoints used
      BackendGroup five =
          group("g", eps, LoadBalancing.ROUND_ROBIN)
              .withBalancing(LoadBalancing.ROUND_ROBIN, key, null);
      proxy.publish(snapshot(five, null));
      int moved = 0;
      for (int u = 0; u < users; u++) {
        String b = backendOf(get(client, "X-User: user-" + u + "\r\n"));
        if (!b.equals(before.get("user-" + u))) {
          assertThat(b).as("keys only move to the new endpoint").isEqualTo("b5");
          moved++;
        }
      }
      // about 1/5 of the keys move (40 of 200); a modulo hash would move about 4/5
      assertThat(moved).isBetween(15, 70);
    }
  }

  @Test
  void requestsWithoutTheHashKeyAreBalancedByTheAlgorithm() throws Exception {
    List<Endpoint> eps = start(3);
    BackendGroup g =
        group("g", eps, LoadBalancing.ROUND_ROBIN)
            .withBalancing(LoadBalancing.ROUND_ROBIN, HashKey.parse("$cookie_session"), null);
    proxy.publish(snapshot(g, null));
    assertThat(count(30, "")).containsOnlyKeys("b1", "b2", "b3");
    assertThat(count(30, "Cookie: session=abc\r\n")).hasSize(1);
  }

  @Test
  void canaryByHeaderThenCookieThenWeight() throws Exception {
    List<Endpoint> eps = start(2);
    BackendGroup main = group("default/main:80", eps.subList(0, 1), LoadBalancing.ROUND_ROBIN);
    BackendGroup canaryGroup =
        group("default/canary:80", eps.subList(1, 2), LoadBalancing.ROUND_ROBIN);
    Canary canary = new Canary(canaryGroup, 20, 100, "X-Canary", null, "canary");
    proxy.publish(snapshot(main, canary));
    assertThat(count(50, "X-Canary: always\r\n")).containsOnlyKeys("b2");
    assertThat(count(50, "X-Canary: never\r\nCookie: canary=always\r\n")).containsOnlyKeys("b1");
    assertThat(count(50, "X-Canary: other\r\nCookie: canary=always\r\n")).containsOnlyKeys("b2");
    assertThat(count(50, "Cookie: canary=never\r\n")).containsOnlyKeys("b1");
    Map<String, Integer> weighted = count(500, "");
    assertThat(weighted.getOrDefault("b2", 0)).isBetween(50, 160); // 20% of 500 = 100
    // a header value given: only that value takes the canary, others fall through to the weight 0
    proxy.publish(snapshot(main, new Canary(canaryGroup, 0, 100, "x-env", "blue", null)));
    assertThat(count(30, "X-Env: blue\r\n")).containsOnlyKeys("b2");
    assertThat(count(30, "X-Env: always\r\n")).containsOnlyKeys("b1");
    assertThat(count(30, "")).containsOnlyKeys("b1");
  }
}
