package dev.sluice.dataplane.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.passthrough.RelayServer.Mode;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import java.io.InputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpliceRelayTest {
  private static final String ROUTE = "default/pass";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private RelayServer relay;
  private RawBackend backend;

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void start(boolean splice, RawBackend.Script script) throws Exception {
    assumeTrue(Epoll.isAvailable(), "epoll not available");
    backend = new RawBackend(script);
    PassthroughRoute route =
        new PassthroughRoute(
            ROUTE,
            List.of("pass.example.test"),
            TestBalancers.group(backend.port()),
            ProxyProtocol.NONE,
            Duration.ofSeconds(2),
            Duration.ofMinutes(1));
    relay =
        new RelayServer(
            Mode.EPOLL,
            new PassthroughRelay(new PassthroughMetrics(registry), dev.sluice.dataplane.accesslog.AccessLog.off(), splice),
            route,
            TestBalancers.balancer(route.backend()),
            null);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void clientFinThenLargeAnswerToASlowClient(boolean splice) throws Exception {
    byte[] answer = TestBackend.randomBytes(5, 32 * 1024 * 1024);
    start(
        splice,
        s -> {
          RawBackend.Outcome o = RawBackend.readAll(s, 65536, 0);
          RawBackend.writeAll(s, answer);
          s.shutdownOutput();
          return o;
        });
    try (Socket c = new Socket("127.0.0.1", relay.port())) {
      c.setSoTimeout(30_000);
      c.getOutputStream().write("hello".getBytes());
      c.shutdownOutput();
      Thread.sleep(1000);
      byte[] got = c.getInputStream().readAllBytes();
      assertThat(got.length).isEqualTo(answer.length);
      assertThat(RawBackend.sha256(got)).isEqualTo(RawBackend.sha256(answer));
    }
  }
}
