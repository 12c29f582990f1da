package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.upstream.PoolCloses;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idle limits are counted when they close something: a keep-alive client connection ({@link
 * IdleCloses}) and pooled upstream connections, by idle timeout and over the per-endpoint idle cap
 * ({@link PoolCloses}). One event loop, so both upstream connections below share one pool.
 */
class IdleCloseMetricsTest {
  static TestBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("idle");
    proxy =
        TestProxy.start(
            b ->
                b.ioThreads(1)
                    .idleTimeout(Duration.ofMillis(300))
                    .upstreamIdleTimeout(Duration.ofMillis(300))
                    .upstreamMaxIdlePerEndpoint(1));
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  static double counted(String metric, String reason) {
    // a Counter (idle closes) or a FunctionCounter (pool closes): both measure one COUNT
    var meter = proxy.metrics().get(metric).tag("reason", reason).meter();
    return meter.measure().iterator().next().getValue();
  }

  @Test
  void idleKeepAliveCloseIsCounted() throws Exception {
    double before = counted(IdleCloses.METRIC, "keep_alive");
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      assertThat(c.send("GET /echo HTTP/1.1\r\nHost: x.test\r\n\r\n").read().status()).isEqualTo(200);
      assertThat(c.socket().getInputStream().read()).isEqualTo(-1);
    }
    await().until(() -> counted(IdleCloses.METRIC, "keep_alive") >= before + 1);
  }

  @Test
  void poolClosesAreCountedBySurplusAndIdleTimeout() throws Exception {
    double surplus = counted(PoolCloses.METRIC, "surplus");
    double idle = counted(PoolCloses.METRIC, "idle_timeout");
    // two requests at once need two upstream connections; the pool keeps one idle, closes the other
    try (RawHttp c1 = RawHttp.connect(proxy.port());
        RawHttp c2 = RawHttp.connect(proxy.port())) {
      c1.send("GET /slow?ms=300 HTTP/1.1\r\nHost: x.test\r\n\r\n");
      c2.send("GET /slow?ms=300 HTTP/1.1\r\nHost: x.test\r\n\r\n");
      assertThat(c1.read().status()).isEqualTo(200);
      assertThat(c2.read().status()).isEqualTo(200);
    }
    await().until(() -> counted(PoolCloses.METRIC, "surplus") >= surplus + 1);
    // the one kept idle is closed after the upstream idle timeout
    await().until(() -> counted(PoolCloses.METRIC, "idle_timeout") >= idle + 1);
    await().until(() -> backend.openConnections() == 0);
  }
}
