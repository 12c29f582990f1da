package dev.sluice.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.ErrorPagePolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.Ports;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * custom-http-errors through real requests: a real upstream answering errors, a real error
 * Service recording what it was asked, the JDK client and raw sockets.
 */
class ErrorPagesProxyTest {
  /** What the error Service received: method, uri, headers (lower-case names), body length. */
  record Asked(String method, String uri, Map<String, String> headers, int bodyLength) {}

  static TestBackend upstream;
  static HttpServer errors;
  static final LinkedBlockingQueue<Asked> asked = new LinkedBlockingQueue<>();
  static TestProxy proxy;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = TestBackend.start("app");
    errors = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    errors.createContext(
        "/",
        ex -> {
          Map<String, String> h = new TreeMap<>();
          ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), String.join(",", v)));
          int len = ex.getRequestBody().readAllBytes().length;
          asked.add(new Asked(ex.getRequestMethod(), ex.getRequestURI().toString(), h, len));
          byte[] page =
              ("<h1>custom " + h.get("x-code") + "</h1>").getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/html");
          ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : page.length);
          if (!ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseBody().write(page);
          }
          ex.close();
        });
    errors.start();
    BackendGroup errorService =
        new BackendGroup("shop/error-pages:80",
            List.of(Endpoint.of("127.0.0.1", errors.getAddress().getPort())),
            BackendGroup.LoadBalancing.ROUND_ROBIN, BackendGroup.UpstreamProtocol.HTTP);
    BackendGroup refused =
        new BackendGroup("shop/gone:80", List.of(Endpoint.of("127.0.0.1", Ports.refusing())),
            BackendGroup.LoadBalancing.ROUND_ROBIN, BackendGroup.UpstreamProtocol.HTTP);
    BackendGroup noneReady =
        new BackendGroup("shop/down:80", List.of(new Endpoint("127.0.0.1", 9, 1, false)),
            BackendGroup.LoadBalancing.ROUND_ROBIN, BackendGroup.UpstreamProtocol.HTTP);
    proxy = TestProxy.start();
    proxy.publish(
        TestSnapshots.builder()
            .prefix("err.test", "/", policy(errorService, 404, 503), upstream.endpoint())
            .prefix("empty.test", "/", policy(errorService, 503))
            .prefix("gone.test", "/", policy(refused, 404), upstream.endpoint())
            .prefix("down.test", "/", policy(noneReady, 404), upstream.endpoint())
            .build());
  }

  static RoutePolicy policy(BackendGroup errorService, Integer... codes) {
    return RoutePolicy.builder()
        .errorPages(new ErrorPagePolicy(List.of(codes), errorService, "shop", "storefront"))
        .build();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
    errors.stop(0);
  }

  @BeforeEach
  void clear() {
    asked.clear();
  }

  static HttpResponse<String> send(String host, String path, String method, String body, String accept)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + proxy.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listedStatusIsAnsweredByTheErrorServiceKeepingTheStatus() throws Exception {
    HttpResponse<String> r = send("err.test", "/status?code=404", "GET", null, "application/json");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("<h1>custom 404</h1>");
    Asked a = asked.poll(5, TimeUnit.SECONDS);
    assertThat(a.method()).isEqualTo("GET");
    assertThat(a.uri()).isEqualTo("/status?code=404");
    assertThat(a.headers())
        .containsEntry("x-code", "404")
        .containsEntry("x-format", "application/json")
        .containsEntry("x-original-uri", "/status?code=404")
        .containsEntry("x-namespace", "shop")
        .containsEntry("x-ingress-name", "storefront")
        .containsEntry("x-service-name", "test/err.test#prefix:/") // not namespace/name:port
        .doesNotContainKey("x-service-port")
        .containsKey("x-forwarded-for");
  }

  @Test
  void otherStatusesPassUnchanged() throws Exception {
    HttpResponse<String> r = send("err.test", "/status?code=500", "GET", null, null);
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("status 500");
    assertThat(send("err.test", "/echo", "GET", null, null).statusCode()).isEqualTo(200);
    assertThat(asked).isEmpty();
  }

  @Test
  void postBodyIsNotSentToTheErrorServiceAndTheConnectionStaysUsable() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      String body = "x".repeat(20_000);
      c.send("POST /status?code=404 HTTP/1.1\r\nHost: err.test\r\nContent-Length: " + body.length()
          + "\r\nContent-Type: text/plain\r\n\r\n" + body);
      RawHttp.Response first = c.read();
      assertThat(first.status()).isEqualTo(404);
      assertThat(first.bodyText()).isEqualTo("<h1>custom 404</h1>");
      c.send("GET /echo HTTP/1.1\r\nHost: err.test\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    Asked a = asked.poll(5, TimeUnit.SECONDS);
    assertThat(a.method()).isEqualTo("GET");
    assertThat(a.bodyLength()).isZero();
    assertThat(a.headers()).doesNotContainKey("content-length").doesNotContainKey("content-type");
  }

  @Test
  void headStaysHead() throws Exception {
    HttpResponse<String> r = send("err.test", "/status?code=404", "HEAD", null, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(asked.poll(5, TimeUnit.SECONDS).method()).isEqualTo("HEAD");
  }

  @Test
  void routeWithoutEndpointsServesThe503Page() throws Exception {
    HttpResponse<String> r = send("empty.test", "/anything", "GET", null, null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("<h1>custom 503</h1>");
  }

  @Test
  void unreachableErrorServiceIs502AndNoReadyEndpointKeepsTheOriginal() throws Exception {
    assertThat(send("gone.test", "/status?code=404", "GET", null, null).statusCode()).isEqualTo(502);
    HttpResponse<String> r = send("down.test", "/status?code=404", "GET", null, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("status 404");
  }
}
