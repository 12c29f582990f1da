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

/**
 * Redirects, rewrites, upstream Host and header rules from annotations to bytes: YAML a user could
 * write is translated, served by the real proxy, and checked with a raw HTTP client against a
 * backend that echoes what it received.
 */
class RequestPolicyTest {
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
  void permanentRedirectAnswersEveryRequestWithItsCodeAndUrl() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "sluice.dev/permanent-redirect", "https://new.example.org/landing",
            "sluice.dev/permanent-redirect-code", "308"));
    RawHttp.Response r = request(proxy, "POST", "/any/path?x=1", "Content-Length: 0");
    assertThat(r.status()).isEqualTo(308);
    assertThat(r.header("location")).isEqualTo("https://new.example.org/landing");
    assertThat(backend.requests()).isZero();
  }

  @Test
  void permanentRedirectDefaultsTo301AndTemporalRedirectIs302ReadFromNginxNames() throws Exception {
    publish(
        proxy,
        backend,
        Map.of("nginx.ingress.kubernetes.io/permanent-redirect", "https://a.example.org/"));
    assertThat(request(proxy, "GET", "/x").status()).isEqualTo(301);

    publish(
        proxy,
        backend,
        Map.of("nginx.ingress.kubernetes.io/temporal-redirect", "https://b.example.org/"));
    RawHttp.Response r = request(proxy, "GET", "/x");
    assertThat(r.status()).isEqualTo(302);
    assertThat(r.header("location")).isEqualTo("https://b.example.org/");
  }

  @Test
  void appRootRedirectsOnlyTheRootPath() throws Exception {
    publish(proxy, backend, Map.of("sluice.dev/app-root", "/app"));
    RawHttp.Response root = request(proxy, "GET", "/?utm=1");
    assertThat(root.status()).isEqualTo(302);
    assertThat(root.header("location")).isEqualTo("/app");

    RawHttp.Response app = request(proxy, "GET", "/app/page");
    assertThat(app.status()).isEqualTo(200);
    assertThat(app.bodyText()).contains("\"uri\":\"/app/page\"");
  }

  @Test
  void rewriteTargetReplacesTheMatchedPrefixAndKeepsTheQuery() throws Exception {
    publish(
        proxy, backend, Map.of("sluice.dev/rewrite-target", "/v2"), "Prefix /api", "Exact /exact");
    assertThat(request(proxy, "GET", "/api/users?id=7").bodyText())
        .contains("\"uri\":\"/v2/users?id=7\"");
    assertThat(request(proxy, "GET", "/api").bodyText()).contains("\"uri\":\"/v2\"");
    assertThat(request(proxy, "GET", "/exact?q").bodyText()).contains("\"uri\":\"/v2?q\"");

    publish(proxy, backend, Map.of("sluice.dev/rewrite-target", "/"), "Prefix /api/");
    assertThat(request(proxy, "GET", "/api/users").bodyText()).contains("\"uri\":\"/users\"");
    assertThat(request(proxy, "GET", "/api").bodyText()).contains("\"uri\":\"/\"");
  }

  @Test
  void useRegexPathsMatchCaseInsensitivelyBeforePrefixesAndFeedCaptureGroups() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "nginx.ingress.kubernetes.io/use-regex", "true",
            "nginx.ingress.kubernetes.io/rewrite-target", "/$2"),
        "Prefix /",
        "ImplementationSpecific /something(/|$)(.*)");
    assertThat(request(proxy, "GET", "/something/new/x?a=b").bodyText())
        .contains("\"uri\":\"/new/x?a=b\"");
    assertThat(request(proxy, "GET", "/SOMETHING").bodyText()).contains("\"uri\":\"/\"");
    // the Prefix path of a use-regex Ingress is a literal expression: no groups, whole path
    // replaced
    assertThat(request(proxy, "GET", "/other/page").bodyText()).contains("\"uri\":\"/\"");
  }

  @Test
  void aPrefixPathWithATrailingSlashInAUseRegexIngressRewritesTheRequestWithoutIt()
      throws Exception {
    publish(
        proxy,
        backend,
        Map.of("sluice.dev/use-regex", "true", "sluice.dev/rewrite-target", "/v2"),
        "Prefix /api/");
    // /api is routed by /api/ (element-wise prefix) and rewritten like /api/x
    assertThat(request(proxy, "GET", "/api").bodyText()).contains("\"uri\":\"/v2\"");
    assertThat(request(proxy, "GET", "/api/x?q=1").bodyText()).contains("\"uri\":\"/v2?q=1\"");
  }

  @Test
  void regexRoutesWithoutRewriteRouteByExpressionAndLongerExpressionsWin() throws Exception {
    publish(
        proxy,
        backend,
        Map.of("sluice.dev/use-regex", "true"),
        "ImplementationSpecific /[a-z]+",
        "ImplementationSpecific /users/[0-9]+$");
    assertThat(request(proxy, "GET", "/users/42").bodyText()).contains("\"uri\":\"/users/42\"");
    assertThat(request(proxy, "GET", "/abc/def").status()).isEqualTo(200);
    assertThat(request(proxy, "GET", "/123").status()).isEqualTo(404);
  }

  @Test
  void upstreamVhostAndForwardedPrefixAreSentUpstream() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "sluice.dev/upstream-vhost", "internal.web.svc:8080",
            "nginx.ingress.kubernetes.io/x-forwarded-prefix", "/shop"));
    String echo = request(proxy, "GET", "/x").bodyText();
    assertThat(echo)
        .contains("\"host\":\"internal.web.svc:8080\"", "\"x-forwarded-prefix\":\"/shop\"");
  }

  @Test
  void requestAndResponseHeaderRulesRemoveSetAndAdd() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "sluice.dev/request-headers-remove", "X-Internal, Cookie",
            "sluice.dev/request-headers-set", "X-Env: prod\nX-Team: web, payments",
            "sluice.dev/request-headers-add", "X-Tag: added",
            "sluice.dev/response-headers-remove", "Content-Type",
            "sluice.dev/response-headers-set", "X-Frame-Options: DENY",
            "sluice.dev/response-headers-add", "Cache-Control: no-store"));
    RawHttp.Response r =
        request(
            proxy,
            "GET",
            "/echo",
            "X-Internal: secret",
            "Cookie: a=b",
            "X-Env: dev",
            "X-Tag: client");
    String echo = r.bodyText();
    assertThat(echo)
        .contains(
            "\"x-env\":\"prod\"", "\"x-team\":\"web, payments\"", "\"x-tag\":\"client, added\"")
        .doesNotContain("x-internal", "cookie");
    assertThat(r.header("content-type")).isNull();
    assertThat(r.header("x-frame-options")).isEqualTo("DENY");
    assertThat(r.header("cache-control")).isEqualTo("no-store");

    RawHttp.Response failed = request(proxy, "GET", "/status?code=503");
    assertThat(failed.status()).isEqualTo(503);
    assertThat(failed.header("x-frame-options")).isEqualTo("DENY");
  }

  @Test
  void responseHeaderRulesApplyToSluicesOwnRedirects() throws Exception {
    publish(
        proxy,
        backend,
        Map.of(
            "sluice.dev/app-root", "/app",
            "sluice.dev/response-headers-set", "X-Frame-Options: DENY"));
    RawHttp.Response r = request(proxy, "GET", "/");
    assertThat(r.status()).isEqualTo(302);
    assertThat(r.header("x-frame-options")).isEqualTo("DENY");
    assertThat(backend.requests()).isZero();
  }
}
