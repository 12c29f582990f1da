package dev.sluice.dataplane.policy.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link JwksSource} against a real JWKS HTTP server: caching, kid-triggered refetch, failures. */
class JwksSourceTest {
  HttpServer server;
  final AtomicReference<String> body = new AtomicReference<>();
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicInteger fetches = new AtomicInteger();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  URI uri;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jwks",
        ex -> {
          fetches.incrementAndGet();
          byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
          ex.sendResponseHeaders(status.get(), b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
    uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
  }

  @AfterEach
  void stop() {
    server.stop(0);
    timer.shutdownNow();
  }

  @Test
  void unknownKidRefetchFindsRotatedKeyThenIsRateLimited() throws Exception {
    RSAKey one = new RSAKeyGenerator(2048).keyID("one").generate();
    RSAKey two = new RSAKeyGenerator(2048).keyID("two").generate();
    body.set(new JWKSet(one.toPublicJWK()).toString());
    JwksSource s = new JwksSource(uri, HttpClient.newHttpClient(), timer, Duration.ofMillis(200));
    JwtKeys first = s.load().get(5, TimeUnit.SECONDS);
    assertThat(first.candidates("one", JWSAlgorithm.RS256)).hasSize(1);
    assertThat(first.hasKid("two")).isFalse();
    assertThat(s.load().get(5, TimeUnit.SECONDS)).isSameAs(first); // cached, no fetch
    assertThat(fetches.get()).isEqualTo(1);

    body.set(new JWKSet(List.of(one.toPublicJWK(), two.toPublicJWK())).toString());
    assertThat(s.refetchForUnknownKid()).isNull(); // within the interval of the last fetch
    Thread.sleep(250);
    JwtKeys rotated = s.refetchForUnknownKid().get(5, TimeUnit.SECONDS);
    assertThat(rotated.candidates("two", JWSAlgorithm.RS256)).hasSize(1);
    assertThat(s.refetchForUnknownKid()).isNull();
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void failedRefetchKeepsTheLastGoodKeys() throws Exception {
    RSAKey one = new RSAKeyGenerator(2048).keyID("one").generate();
    body.set(new JWKSet(one.toPublicJWK()).toString());
    JwksSource s = new JwksSource(uri, HttpClient.newHttpClient(), timer, Duration.ZERO);
    JwtKeys good = s.load().get(5, TimeUnit.SECONDS);
    status.set(500);
    assertThatThrownBy(() -> s.refetchForUnknownKid().get(5, TimeUnit.SECONDS))
        .hasMessageContaining("answered 500");
    assertThat(s.keys()).isSameAs(good);
    status.set(200);
    body.set("{\"keys\": \"nope\"}");
    assertThatThrownBy(() -> s.refetchForUnknownKid().get(5, TimeUnit.SECONDS))
        .hasMessageContaining("not a JWK set");
    assertThat(s.keys()).isSameAs(good);
  }

  @Test
  void noKeysUntilAFetchSucceeds() {
    body.set("{\"keys\": []}");
    JwksSource s = new JwksSource(uri, HttpClient.newHttpClient(), timer);
    assertThatThrownBy(() -> s.load().get(5, TimeUnit.SECONDS)).hasMessageContaining("no usable");
    assertThat(s.keys()).isNull();
  }

  @Test
  void ttlFromCacheControlIsClamped() {
    assertThat(JwksSource.ttl(null)).isEqualTo(JwksSource.DEFAULT_TTL);
    assertThat(JwksSource.ttl("no-cache")).isEqualTo(JwksSource.DEFAULT_TTL);
    assertThat(JwksSource.ttl("public, max-age=600")).isEqualTo(Duration.ofSeconds(600));
    assertThat(JwksSource.ttl("max-age=1")).isEqualTo(JwksSource.MIN_TTL);
    assertThat(JwksSource.ttl("max-age=99999999999999999999")).isEqualTo(JwksSource.MAX_TTL);
    assertThat(JwksSource.ttl("s-maxage=5")).isEqualTo(JwksSource.DEFAULT_TTL);
  }

  @Test
  void aBodyThatNeverComesFailsTheFetchInsteadOfHoldingItForEver() throws Exception {
    try (java.net.ServerSocket stall = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = new AtomicInteger();
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        java.net.Socket c = stall.accept();
                        accepted.incrementAndGet();
                        c.getOutputStream()
                            .write(
                                "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"keys\""
                                    .getBytes(StandardCharsets.US_ASCII));
                        c.getOutputStream().flush(); // ... and nothing more, ever
                      }
                    } catch (java.io.IOException closed) {
                      // the test is over
                    }
                  });
      URI stalled = URI.create("http://127.0.0.1:" + stall.getLocalPort() + "/jwks");
      JwksSource s =
          new JwksSource(
              stalled, HttpClient.newHttpClient(), timer, Duration.ZERO, Duration.ofMillis(300));
      assertThatThrownBy(() -> s.load().get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
      assertThat(s.keys()).isNull();
      // while the URL fails, requests get the failure at once and start no fetch of their own
      int before = accepted.get();
      for (int i = 0; i < 20; i++) {
        assertThat(s.load()).isCompletedExceptionally();
      }
      assertThat(accepted.get()).isEqualTo(before);
      acceptor.interrupt();
    }
  }
}
