package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.RequestPolicyManifests.publish;
import static dev.sluice.controller.translate.RequestPolicyManifests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CORS from annotations to bytes: preflights answered by Sluice, headers on actual answers. */
class CorsPolicyTest {
  private TestBackend backend;
  private TestProxy proxy;

  @BeforeEach
  void start() {
    backend = TestBackend.start("web");
    proxy = TestProxy.start();
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  @Test
  void preflightFromAnAllowedOriginIsAnswered204WithoutTheBackend() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "sluice.dev/enable-cors", "true",
            "sluice.dev/cors-allow-origin", "https://app.example.com, https://*.example.net",
            "sluice.dev/cors-max-age", "600"));
    RawHttp.Response r =
        request(
            proxy,
            "OPTIONS",
            "/api",
            "Origin: https://app.example.com",
            "Access-Control-Request-Method: PUT");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
    assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
    assertThat(r.header("access-control-allow-methods"))
        .isEqualTo("GET, PUT, POST, DELETE, PATCH, OPTIONS");
    assertThat(r.header("access-control-allow-headers")).contains("Authorization");
    assertThat(r.header("access-control-max-age")).isEqualTo("600");
    assertThat(r.header("vary")).isEqualTo("Origin");
    assertThat(backend.requests()).isZero();
  }

  @Test
  void actualRequestsFromAllowedOriginsGetTheHeadersOthersDoNot() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "nginx.ingress.kubernetes.io/enable-cors", "true",
            "nginx.ingress.kubernetes.io/cors-allow-origin", "https://*.example.net",
            "nginx.ingress.kubernetes.io/cors-expose-headers", "X-Total, X-Page",
            "nginx.ingress.kubernetes.io/cors-allow-credentials", "false"));
    RawHttp.Response ok = request(proxy, "GET", "/x", "Origin: https://a.b.example.net");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("access-control-allow-origin")).isEqualTo("https://a.b.example.net");
    assertThat(ok.header("access-control-expose-headers")).isEqualTo("X-Total, X-Page");
    assertThat(ok.header("access-control-allow-credentials")).isNull();
    assertThat(ok.header("vary")).isEqualTo("Origin");

    // *.example.net needs a label before the suffix; other schemes and ports do not match
    for (String origin :
        new String[] {
          "https://example.net",
          "http://a.example.net",
          "https://a.example.net:8443",
          "https://evil.com"
        }) {
      RawHttp.Response no = request(proxy, "GET", "/x", "Origin: " + origin);
      assertThat(no.status()).isEqualTo(200);
      assertThat(no.header("access-control-allow-origin")).as(origin).isNull();
    }
    // a preflight from an origin not allowed goes to the backend, as with ingress-nginx
    RawHttp.Response pre =
        request(
            proxy,
            "OPTIONS",
            "/x",
            "Origin: https://evil.com",
            "Access-Control-Request-Method: GET");
    assertThat(pre.status()).isEqualTo(200);
    assertThat(pre.bodyText()).contains("\"method\":\"OPTIONS\"");
  }

  @Test
  void anyOriginWithoutCredentialsIsAStarAndDefaultsAllowCredentialsByEcho() throws Exception {
    publish(
        proxy,
        backend,
        Map.of("sluice.dev/enable-cors", "true", "sluice.dev/cors-allow-credentials", "false"));
    RawHttp.Response star = request(proxy, "GET", "/x", "Origin: https://x.org");
    assertThat(star.header("access-control-allow-origin")).isEqualTo("*");
    assertThat(star.header("vary")).isNull();

    publish(proxy, backend, Map.of("sluice.dev/enable-cors", "true"));
    RawHttp.Response echo = request(proxy, "GET", "/x", "Origin: https://x.org");
    assertThat(echo.header("access-control-allow-origin")).isEqualTo("https://x.org");
    assertThat(echo.header("access-control-allow-credentials")).isEqualTo("true");
    assertThat(echo.header("vary")).isEqualTo("Origin");
    assertThat(request(proxy, "GET", "/x").header("access-control-allow-origin")).isNull();
  }
}
