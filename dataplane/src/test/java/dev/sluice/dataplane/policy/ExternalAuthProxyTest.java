package dev.sluice.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.AuthCache;
import dev.sluice.dataplane.snapshot.AccessPolicy.ExternalAuth;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.Ports;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** auth-url through the real proxy against a real auth service (the JDK's HTTP server). */
class ExternalAuthProxyTest {
  static TestBackend backend;
  static HttpServer auth;
  static ExecutorService authThreads;
  /** Headers of the last subrequest (lower-case names), and the client ports it came from. */
  static final Map<String, String> seen = new ConcurrentHashMap<>();
  static final Set<Integer> authConnections = ConcurrentHashMap.newKeySet();
  static final AtomicInteger calls = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    backend = TestBackend.start("protected");
    auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    authThreads = Executors.newCachedThreadPool();
    auth.setExecutor(authThreads);
    auth.createContext("/auth", ExternalAuthProxyTest::answer);
    auth.start();
  }

  @AfterAll
  static void stop() {
    auth.stop(0);
    authThreads.shutdownNow();
    backend.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
    authConnections.clear();
    calls.set(0);
  }

  static void answer(HttpExchange e) throws IOException {
    authConnections.add(e.getRemoteAddress().getPort());
    calls.incrementAndGet();
    seen.put("method", e.getRequestMethod());
    seen.put("uri", e.getRequestURI().toString());
    e.getRequestHeaders().forEach((k, v) -> seen.put(k.toLowerCase(), String.join(",", v)));
    e.getRequestBody().readAllBytes();
    String token = e.getRequestHeaders().getFirst("Authorization");
    switch (token == null ? "" : token) {
      case "Bearer good" -> {
        e.getResponseHeaders().add("X-User", "alice");
        e.getResponseHeaders().add("X-Not-Copied", "x");
        send(e, 200, "");
      }
      case "Bearer plain" -> send(e, 200, "");
      case "Bearer forbidden" -> send(e, 403, "you may not");
      case "Bearer boom" -> send(e, 502, "broken");
      case "Bearer slow" -> {
        try {
          Thread.sleep(2_000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        send(e, 200, "");
      }
      default -> {
        e.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"shop\"");
        e.getResponseHeaders().add("Content-Type", "text/plain");
        send(e, 401, "log in first");
      }
    }
  }

  static void send(HttpExchange e, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    e.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      e.getResponseBody().write(b);
    }
    e.close();
  }

  static TestProxy proxy(String url, String signin) {
    TestProxy proxy = TestProxy.start();
    ExternalAuth ea =
        new ExternalAuth(URI.create(url), "GET", List.of("X-User"), signin, Duration.ofMillis(700));
    RoutePolicy p = RoutePolicy.builder().access(AccessPolicy.NONE.withExternalAuth(ea)).build();
    proxy.publish(TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build());
    return proxy;
  }

  static String authUrl() {
    return "http://127.0.0.1:" + auth.getAddress().getPort() + "/auth?check=1";
  }

  static RawHttp.Response get(RawHttp c, String token) throws IOException {
    String h = token == null ? "" : "Authorization: Bearer " + token + "\r\n";
    return c.send("GET /echo?q=1 HTTP/1.1\r\nHost: app.test\r\nCookie: s=1\r\n" + h + "\r\n").read();
  }

  @Test
  void a2xxLetsTheRequestThroughWithTheNamedHeadersAndTheAuthConnectionIsKeptAlive()
      throws Exception {
    try (TestProxy proxy = proxy(authUrl(), null);
        RawHttp c = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < 4; i++) {
        RawHttp.Response r = get(c, "good");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText())
            .contains("\"x-user\":\"alice\"")
            .contains("\"authorization\":\"Bearer good\"")
            .doesNotContain("x-not-copied");
      }
      assertThat(seen)
          .containsEntry("method", "GET")
          .containsEntry("uri", "/auth?check=1")
          .containsEntry("x-original-url", "http://app.test/echo?q=1")
          .containsEntry("x-original-method", "GET")
          .containsEntry("x-forwarded-for", "127.0.0.1")
          .containsEntry("x-forwarded-host", "app.test")
          .containsEntry("cookie", "s=1")
          .containsEntry("authorization", "Bearer good");
      assertThat(authConnections).hasSize(1); // one keep-alive connection for four checks
    }
  }

  @Test
  void a401Or403IsReturnedWithItsChallengeAndBodyAndABodyWaitingIsDropped() throws Exception {
    try (TestProxy proxy = proxy(authUrl(), null);
        RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response unauthorized = get(c, null);
      assertThat(unauthorized.status()).isEqualTo(401);
      assertThat(unauthorized.header("www-authenticate")).isEqualTo("Bearer realm=\"shop\"");
      assertThat(unauthorized.bodyText()).isEqualTo("log in first");

      RawHttp.Response forbidden =
          c.send(
                  "POST /upload HTTP/1.1\r\nHost: app.test\r\nAuthorization: Bearer forbidden\r\n"
                      + "Content-Length: 5\r\n\r\nhello")
              .read();
      assertThat(forbidden.status()).isEqualTo(403);
      assertThat(forbidden.bodyText()).isEqualTo("you may not");
      assertThat(seen).containsEntry("method", "GET").containsEntry("x-original-method", "POST");

      RawHttp.Response posted =
          c.send(
                  "POST /upload HTTP/1.1\r\nHost: app.test\r\nAuthorization: Bearer good\r\n"
                      + "Content-Length: 5\r\n\r\nhello")
              .read();
      assertThat(posted.status()).isEqualTo(200);
      assertThat(posted.bodyText()).contains("bytes=5");
    }
  }

  @Test
  void a401RedirectsToSigninWithTheOriginalUrlWhenSigninIsSet() throws Exception {
    try (TestProxy proxy = proxy(authUrl(), "https://login.test/start");
        RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = get(c, null);
      assertThat(r.status()).isEqualTo(302);
      assertThat(r.header("location"))
          .isEqualTo("https://login.test/start?rd=http%3A%2F%2Fapp.test%2Fecho%3Fq%3D1");
      assertThat(get(c, "forbidden").status()).isEqualTo(403); // only 401 is redirected
    }
  }

  @Test
  void otherStatusesTimeoutsAndAnUnreachableServiceAre500() throws Exception {
    try (TestProxy proxy = proxy(authUrl(), null);
        RawHttp c = RawHttp.connect(proxy.port())) {
      assertThat(get(c, "boom").status()).isEqualTo(500);
      assertThat(get(c, "slow").status()).isEqualTo(500);
      assertThat(get(c, "good").status()).isEqualTo(200); // still usable afterwards
    }
    try (TestProxy proxy = proxy("http://127.0.0.1:" + Ports.refusing() + "/auth", null)) {
      assertThat(RawHttp.get(proxy.port(), "app.test", "/echo").status()).isEqualTo(500);
    }
  }

  @Test
  void anHttpsAuthServiceIsVerifiedAndItsVerdictApplied() throws Exception {
    TestCa ca = TestCa.create("auth CA");
    try (TestBackend tlsAuth = TestBackend.startTls("auth", ca.issue("auth.test"))) {
      String base = "https://127.0.0.1:" + tlsAuth.port() + "/status?code=";
      try (TestProxy ok = httpsProxy(base + "204", new UpstreamTls(true, ca.pem(), "auth.test"));
          TestProxy denied =
              httpsProxy(base + "403", new UpstreamTls(true, ca.pem(), "auth.test"));
          TestProxy untrusted = httpsProxy(base + "204", null)) {
        assertThat(RawHttp.get(ok.port(), "app.test", "/echo").status()).isEqualTo(200);
        assertThat(RawHttp.get(denied.port(), "app.test", "/echo").status()).isEqualTo(403);
        // default trust store: the test CA is unknown, the handshake fails, the answer is 500
        assertThat(RawHttp.get(untrusted.port(), "app.test", "/echo").status()).isEqualTo(500);
      }
      assertThat(tlsAuth.sniNames()).contains("auth.test");
    }
  }

  static TestProxy httpsProxy(String url, UpstreamTls tls) {
    TestProxy proxy = TestProxy.start();
    ExternalAuth ea =
        new ExternalAuth(URI.create(url), "GET", List.of(), null, Duration.ofSeconds(3), tls);
    RoutePolicy p = RoutePolicy.builder().access(AccessPolicy.NONE.withExternalAuth(ea)).build();
    proxy.publish(TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build());
    return proxy;
  }

  @Test
  void aNamedResponseHeaderTheClientSentIsNeverPassedOnWhenTheAuthServiceOmitsIt()
      throws Exception {
    try (TestProxy proxy = proxy(authUrl(), null);
        RawHttp c = RawHttp.connect(proxy.port())) {
      String spoofed = "GET /echo HTTP/1.1\r\nHost: app.test\r\nX-User: mallory\r\n";
      RawHttp.Response plain = c.send(spoofed + "Authorization: Bearer plain\r\n\r\n").read();
      assertThat(plain.status()).isEqualTo(200);
      assertThat(plain.bodyText()).doesNotContain("mallory").doesNotContain("x-user");
      RawHttp.Response good = c.send(spoofed + "Authorization: Bearer good\r\n\r\n").read();
      assertThat(good.bodyText()).contains("\"x-user\":\"alice\"").doesNotContain("mallory");
    }
  }

  @Test
  void verdictsAreRememberedPerCacheKeyForTheStatusesNamed() throws Exception {
    TestProxy proxy = TestProxy.start();
    ExternalAuth ea =
        new ExternalAuth(URI.create(authUrl()), "GET", List.of("X-User"), null,
            Duration.ofSeconds(3), null,
            new AuthCache("$http_authorization", List.of(200, 401), Duration.ofMinutes(1)));
    RoutePolicy p = RoutePolicy.builder().access(AccessPolicy.NONE.withExternalAuth(ea)).build();
    proxy.publish(TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build());
    try (proxy;
        RawHttp c = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = get(c, "good");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).contains("\"x-user\":\"alice\"");
      }
      assertThat(calls).hasValue(1);
      for (int i = 0; i < 2; i++) {
        RawHttp.Response r = get(c, null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.bodyText()).isEqualTo("log in first");
        assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"shop\"");
      }
      assertThat(calls).hasValue(2);
      // 403 is not among the statuses: asked every time
      assertThat(get(c, "forbidden").status()).isEqualTo(403);
      assertThat(get(c, "forbidden").status()).isEqualTo(403);
      assertThat(calls).hasValue(4);
    }
  }

  @Test
  void cacheSettingsAreValidated() {
    assertThatThrownBy(() -> new AuthCache("$foo", List.of(200), Duration.ofMinutes(1)))
        .hasMessageContaining("$foo");
    assertThatThrownBy(() -> new AuthCache("static", List.of(200), Duration.ofMinutes(1)))
        .hasMessageContaining("variable");
    assertThatThrownBy(() -> new AuthCache("$http_x$", List.of(200), Duration.ofMinutes(1)))
        .hasMessageContaining("lone");
    assertThatThrownBy(() -> new AuthCache("$remote_user", List.of(500), Duration.ofMinutes(1)))
        .hasMessageContaining("500");
    assertThat(AuthCache.variables("$remote_user${http_authorization}x$cookie_s"))
        .containsExactly("remote_user", "http_authorization", "cookie_s");
  }
}
