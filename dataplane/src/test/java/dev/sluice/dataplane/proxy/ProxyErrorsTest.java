package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.testing.Ports;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProxyErrorsTest {
  static TestBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("live");
    proxy =
        TestProxy.start(
            b -> b.requestHeaderTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(500)));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @Test
  void refusedConnectionAnswers502() throws Exception {
    proxy.publish(TestSnapshots.catchAll(Endpoint.of("127.0.0.1", Ports.refusing())));
    double before = proxy.errors("connect_refused");
    RawHttp.Response r = RawHttp.get(proxy.port(), "x.test", "/");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.bodyText()).startsWith("502 Bad Gateway");
    assertThat(proxy.errors("connect_refused")).isGreaterThan(before);
  }

  @Test
  void connectTimeoutAnswers504() throws Exception {
    try (Ports.Blackhole hole = Ports.blackhole()) {
      proxy.publish(
          TestSnapshots.builder()
              .prefix("*", "/", TestSnapshots.policy(200, 5_000), Endpoint.of("127.0.0.1", hole.port()))
              .build());
      RawHttp.Response r = RawHttp.get(proxy.port(), "x.test", "/");
      assertThat(r.status()).isEqualTo(504);
      assertThat(proxy.errors("connect_timeout")).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void responseHeaderTimeoutAnswers504() throws Exception {
    proxy.publish(
        TestSnapshots.builder()
            .prefix("*", "/", TestSnapshots.policy(1_000, 200), backend.endpoint())
            .build());
    RawHttp.Response r = RawHttp.get(proxy.port(), "x.test", "/slow?ms=3000");
    assertThat(r.status()).isEqualTo(504);
    assertThat(proxy.errors("response_header_timeout")).isEqualTo(1);
  }

  @Test
  void incompleteRequestHeadAnswers408AndCloses() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: x.test\r\nX-Slow: ").read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(proxy.errors("request_header_timeout")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void idleKeepAliveConnectionIsClosedSilently() throws Exception {
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      assertThat(c.send("GET /echo HTTP/1.1\r\nHost: x.test\r\n\r\n").read().status()).isEqualTo(200);
      // no 408 for a connection that simply waits between requests: just EOF
      assertThat(c.socket().getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void upstreamClosingBeforeItsHeadAnswers502() throws Exception {
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
    RawHttp.Response r = RawHttp.get(proxy.port(), "x.test", "/close");
    assertThat(r.status()).isEqualTo(502);
    assertThat(proxy.errors("upstream_closed")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void upstreamDyingMidBodyCutsTheClientConnection() throws Exception {
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
    double before = proxy.errors("upstream_reset");
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send("GET /truncate?n=100000 HTTP/1.1\r\nHost: x.test\r\n\r\n").read();
      // the head (and its Content-Length) went out; the body ends short because the proxy cut the
      // connection: the client can tell the response is incomplete
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-length")).isEqualTo("100000");
      assertThat(r.body().length).isLessThan(100000);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(proxy.errors("upstream_reset")).isEqualTo(before + 1);
  }

  @Test
  void idempotentRequestIsRetriedOnAnotherEndpointButPostIsNot() throws Exception {
    proxy.publish(
        TestSnapshots.catchAll(Endpoint.of("127.0.0.1", Ports.refusing()), backend.endpoint()));
    for (int i = 0; i < 4; i++) {
      RawHttp.Response r = RawHttp.get(proxy.port(), "x.test", "/echo");
      assertThat(r.status()).as("GET #" + i).isEqualTo(200);
    }
    Set<Integer> postStatuses = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        postStatuses.add(
            c.send("POST /echo HTTP/1.1\r\nHost: x.test\r\nContent-Length: 2\r\n\r\nhi").read().status());
      }
    }
    assertThat(postStatuses).containsExactlyInAnyOrder(200, 502);
  }

  @Test
  void malformedRequestAnswers400AndCloses() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
  }
}
