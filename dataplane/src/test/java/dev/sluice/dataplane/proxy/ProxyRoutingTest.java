package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProxyRoutingTest {
  static TestBackend app;
  static TestBackend api;
  static TestBackend fallback;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    app = TestBackend.start("app");
    api = TestBackend.start("api");
    fallback = TestBackend.start("fallback");
    proxy = TestProxy.start();
    proxy.publish(
        TestSnapshots.builder()
            // precedence itself is the route table's business (and its tests); listed longest first
            .prefix("app.test", "/api", api.endpoint())
            .prefix("app.test", "/", app.endpoint())
            .prefix("down.test", "/", new Endpoint("127.0.0.1", app.port(), 1, false))
            .prefix("*", "/", fallback.endpoint())
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
    api.close();
    fallback.close();
  }

  @Test
  void routesByHostAndLongestPathPrefix() throws Exception {
    assertThat(RawHttp.get(proxy.port(), "app.test", "/index.html").bodyText())
        .contains("\"backend\":\"app\"");
    assertThat(RawHttp.get(proxy.port(), "app.test", "/api/users?id=1").bodyText())
        .contains("\"backend\":\"api\"")
        .contains("\"uri\":\"/api/users?id=1\"");
    assertThat(RawHttp.get(proxy.port(), "APP.test:80", "/api").bodyText())
        .contains("\"backend\":\"api\"");
  }

  @Test
  void unknownHostFallsToCatchAll() throws Exception {
    assertThat(RawHttp.get(proxy.port(), "other.test", "/x").bodyText())
        .contains("\"backend\":\"fallback\"");
  }

  @Test
  void noRouteAtAllAnswers404AndCountsIt() throws Exception {
    try (TestProxy empty = TestProxy.start()) {
      RawHttp.Response r = RawHttp.get(empty.port(), "app.test", "/");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.header("content-type")).startsWith("text/plain");
      assertThat(r.header("x-backend")).isNull();
      assertThat(empty.errors("no_route")).isEqualTo(1);
    }
  }

  @Test
  void routeWithoutReadyEndpointAnswers503() throws Exception {
    RawHttp.Response r = RawHttp.get(proxy.port(), "down.test", "/");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.bodyText()).startsWith("503 Service Unavailable");
    assertThat(proxy.errors("no_endpoint")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void errorPageKeepsTheConnectionForTheNextRequest() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      assertThat(c.send("GET / HTTP/1.1\r\nHost: down.test\r\n\r\n").read().status()).isEqualTo(503);
      assertThat(c.send("GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n").read().bodyText())
          .contains("\"backend\":\"app\"");
    }
  }

  @Test
  void http10ClientGetsAnAnswerItCanRead() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send("GET /bytes?n=1000 HTTP/1.0\r\nHost: app.test\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("transfer-encoding")).isNull(); // no chunked for HTTP/1.0
      assertThat(r.body()).hasSize(1000);
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void headResponseHasLengthButNoBodyAndTheConnectionStaysUsable() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send("HEAD /bytes?cl=1&n=5000 HTTP/1.1\r\nHost: app.test\r\n\r\n");
      RawHttp.Response head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo("5000");
      // had the proxy sent a body after the HEAD answer, it would be misread as the next status
      // line: the next exchange on the same connection proves there was none
      assertThat(c.send("GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n").read().bodyText())
          .contains("\"method\":\"GET\"");
    }
  }

  @Test
  void expectContinueIsAnsweredByTheProxyAndTheBodyForwarded() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send(
          "POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response interim = c.read();
      assertThat(interim.status()).isEqualTo(100);
      RawHttp.Response r = c.send("hello").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).startsWith("bytes=5 ");
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send(
          "GET /slow?ms=100 HTTP/1.1\r\nHost: app.test\r\n\r\n"
              + "GET /api/second HTTP/1.1\r\nHost: app.test\r\n\r\n"
              + "GET /third HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n");
      assertThat(c.read().bodyText()).isEqualTo("slow 100");
      assertThat(c.read().bodyText()).contains("\"uri\":\"/api/second\"");
      RawHttp.Response third = c.read();
      assertThat(third.bodyText()).contains("\"uri\":\"/third\"");
      assertThat(third.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
  }
}
