package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static dev.sluice.controller.translate.RequestPolicyManifests.ingress;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The request-policy annotations in the translator: values parsed into the route policy, and every
 * invalid value leaving the Ingress out with a problem naming the annotation and the value.
 */
class RequestPolicyAnnotationsTest {

  private static RoutePolicy policy(Map<String, String> annotations, String... paths) {
    return route(translate(ingress(annotations, 80, paths), true)).policy();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "permanent-redirect       | not a url               | http(s):// URL",
        "permanent-redirect       | https://a.example.org/ x | without blanks",
        "temporal-redirect        | ftp://a.example.org/    | http(s):// URL",
        "app-root                 | app                     | path other than /",
        "app-root                 | /                       | path other than /",
        "rewrite-target           | v2                      | starting with /",
        "rewrite-target           | /$1                     | use-regex is not \"true\"",
        "use-regex                | yes                     | \"true\" or \"false\"",
        "upstream-vhost           | bad host!               | host name",
        "request-headers-set      | X-A                     | not \"Name: value\"",
        "request-headers-set      | Bad Name: x             | not a header name",
        "request-headers-set      | Connection: close       | connection-level",
        "request-headers-add      | Host: evil              | connection-level",
        "response-headers-remove  | Transfer-Encoding       | connection-level",
        "response-headers-set     | X-A: é                  | control or non-ASCII",
        "enable-cors              | on                      | \"true\" or \"false\"",
        "cors-allow-origin        | https://a.org           | without sluice.dev/enable-cors",
        "hsts                     | maybe                   | \"true\" or \"false\"",
        "hsts-max-age             | -5                      | seconds >= 0",
        "hsts-preload             | 1                       | \"true\" or \"false\"",
        "proxy-connect-timeout    | fast                    | seconds",
        "proxy-read-timeout       | 0                       | more than zero",
        "proxy-send-timeout       | -1                      | seconds",
        "websocket-idle-timeout   | 10x                     | seconds",
        "proxy-body-size          | 8mb                     | size like",
        "proxy-body-size          | 99999999999999g         | too large",
      })
  void anInvalidValueLeavesTheIngressOutNamingAnnotationAndValue(
      String name, String value, String why) {
    Translation t = translate(ingress(Map.of("sluice.dev/" + name, value), 80), false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.InvalidSpec);
              assertThat(p.message())
                  .contains("sluice.dev/" + name, "\"" + value + "\"", why, "not served");
            });
  }

  @Test
  void headerValuesCannotCarryALineBreakIntoAnotherHeader() {
    Translation t =
        translate(
            ingress(Map.of("sluice.dev/response-headers-set", "X-A: b\rSet-Cookie: s=1"), 80),
            false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("control"));
  }

  @Test
  void useRegexRefusesAPathThatIsNoExpression() {
    Translation t =
        translate(
            ingress(Map.of("sluice.dev/use-regex", "true"), 80, "ImplementationSpecific /a(b"),
            false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.message())
                    .contains("sluice.dev/use-regex", "/a(b", "regular expression"));
  }

  @Test
  void redirectCodeNeedsAPermanentRedirectAndBothRedirectsAreRefused() {
    assertThat(
            translate(ingress(Map.of("sluice.dev/permanent-redirect-code", "308"), 80), false)
                .problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("needs sluice.dev/permanent-redirect"));
    assertThat(
            translate(
                    ingress(
                        Map.of(
                            "sluice.dev/permanent-redirect", "https://a.org/",
                            "sluice.dev/temporal-redirect", "https://b.org/"),
                        80),
                    false)
                .problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("not both"));
    assertThat(
            translate(
                    ingress(
                        Map.of(
                            "sluice.dev/permanent-redirect", "https://a.org/",
                            "sluice.dev/permanent-redirect-code", "200"),
                        80),
                    false)
                .problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("3xx"));
  }

  @Test
  void timeoutsAcceptNginxSecondsAndSluiceDurations() {
    RoutePolicy p =
        policy(
            Map.of(
                "nginx.ingress.kubernetes.io/proxy-connect-timeout", "3",
                "nginx.ingress.kubernetes.io/proxy-read-timeout", "120",
                "sluice.dev/proxy-send-timeout", "1m30s",
                "sluice.dev/websocket-idle-timeout", "2h",
                "nginx.ingress.kubernetes.io/proxy-body-size", "512K"));
    assertThat(p.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(p.responseHeaderTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(p.transfer().readTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(p.transfer().sendTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(p.upgradedIdleTimeout()).isEqualTo(Duration.ofHours(2));
    assertThat(p.transfer().maxBodySize()).isEqualTo(512 * 1024);
  }

  @Test
  void hstsParametersShapeTheHeaderAndFalseTurnsItOff() {
    assertThat(policy(Map.of()).hsts()).isEqualTo(RoutePolicy.Hsts.DEFAULT);
    assertThat(policy(Map.of("sluice.dev/hsts", "false")).hsts()).isNull();
    assertThat(
            policy(
                    Map.of(
                        "sluice.dev/hsts-max-age", "600",
                        "sluice.dev/hsts-include-subdomains", "false",
                        "sluice.dev/hsts-preload", "true"))
                .hsts()
                .headerValue())
        .isEqualTo("max-age=600; preload");
  }

  @Test
  void theSnapshotShowsEachPolicyWithExplicitFields() {
    String json =
        SnapshotJson.render(
                translate(
                        ingress(
                            Map.of(
                                "sluice.dev/app-root", "/app",
                                "sluice.dev/rewrite-target", "/v2",
                                "sluice.dev/upstream-vhost", "web.internal",
                                "sluice.dev/request-headers-set", "X-Env: prod",
                                "sluice.dev/enable-cors", "true",
                                "sluice.dev/proxy-body-size", "1m"),
                            80),
                        false)
                    .snapshot())
            .replaceAll("\\s+", ""); // pretty-printed: compare without blanks
    assertThat(json)
        .contains("\"redirect\":{\"appRoot\":\"/app\"}")
        .contains(
            "\"rewrite\":{\"target\":\"/v2\",\"regex\":false,\"upstreamVhost\":\"web.internal\"}")
        .contains("\"requestSet\":[\"X-Env:prod\"]")
        .contains("\"allowOrigins\":[\"*\"]", "\"allowCredentials\":true", "\"maxAge\":\"480h\"")
        .contains("\"transfer\":{\"maxBodySize\":1048576}");
  }
}
