package dev.sluice.dataplane.policy;

import static dev.sluice.dataplane.policy.Clients.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.RateLimits;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** limit-rps / limit-rpm / limit-connections through the real proxy, per client IP. */
class RateLimitProxyTest {
  static TestBackend backend;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("limited");
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static Snapshot snapshot(RateLimits limits) {
    RoutePolicy p = RoutePolicy.builder().access(AccessPolicy.NONE.withRateLimits(limits)).build();
    return TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build();
  }

  @Test
  void perMinuteLimitAllowsTheBurstThen429WithRetryAfterPerClientAcrossSnapshots()
      throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(new RateLimits(0, 2, 1, 0)));
      int port = proxy.port();
      assertThat(get("127.0.0.2", port, "/echo").status()).isEqualTo(200);
      assertThat(get("127.0.0.2", port, "/echo").status()).isEqualTo(200);
      RawHttp.Response limited = get("127.0.0.2", port, "/echo");
      assertThat(limited.status()).isEqualTo(429);
      assertThat(Integer.parseInt(limited.header("retry-after"))).isBetween(1, 30);
      // another client has its own bucket
      assertThat(get("127.0.0.3", port, "/echo").status()).isEqualTo(200);
      // a new snapshot does not refill anyone's bucket
      proxy.publish(snapshot(new RateLimits(0, 2, 1, 0)));
      assertThat(get("127.0.0.2", port, "/echo").status()).isEqualTo(429);
    }
  }

  @Test
  void perSecondLimitAllowsRateTimesMultiplierAtOnce() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(new RateLimits(1, 0, 3, 0)));
      int port = proxy.port();
      try (RawHttp c = Clients.from("127.0.0.4", port)) {
        for (int i = 0; i < 3; i++) {
          assertThat(send(c).status()).isEqualTo(200);
        }
        RawHttp.Response r = null;
        for (int i = 0; i < 20 && (r == null || r.status() != 429); i++) {
          r = send(c);
        }
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("retry-after")).isEqualTo("1");
      }
    }
  }

  @Test
  void limitConnectionsCountsRequestsInFlightPerClient() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(new RateLimits(0, 0, 5, 1)));
      int port = proxy.port();
      backend.resetCounters();
      try (RawHttp slow = Clients.from("127.0.0.5", port)) {
        slow.send("GET /slow?ms=1500 HTTP/1.1\r\nHost: app.test\r\n\r\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() == 1);
        RawHttp.Response second = get("127.0.0.5", port, "/echo");
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.header("retry-after")).isEqualTo("1");
        assertThat(get("127.0.0.6", port, "/echo").status()).isEqualTo(200);
        assertThat(slow.read().status()).isEqualTo(200);
      }
      // the slot is given back as the slow request ends (on the server's event loop, just after
      // the last bytes were flushed: the client may see them a moment before)
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> get("127.0.0.5", port, "/echo").status() == 200);
    }
  }

  @Test
  void anOpenWebSocketHoldsItsConnectionSlotUntilItCloses() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(snapshot(new RateLimits(0, 0, 5, 1)));
      int port = proxy.port();
      try (RawHttp ws = Clients.from("127.0.0.7", port)) {
        RawHttp.Response upgraded =
            ws.send(
                    "GET /ws HTTP/1.1\r\nHost: app.test\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n")
                .read();
        assertThat(upgraded.status()).isEqualTo(101);
        // the tunnel is open: as with nginx's limit_conn, the client's one slot is taken
        assertThat(get("127.0.0.7", port, "/echo").status()).isEqualTo(429);
        assertThat(get("127.0.0.8", port, "/echo").status()).isEqualTo(200);
      }
      // closed: the slot comes back
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> get("127.0.0.7", port, "/echo").status() == 200);
    }
  }

  static RawHttp.Response send(RawHttp c) throws Exception {
    return c.send("GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n").read();
  }
}
