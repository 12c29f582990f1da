package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy-annotation framework: prefixes, ingress-nginx migration, ignored and refused
 * annotations, and the redirect annotations it carries itself.
 */
class PolicyAnnotationsTest {

  @Test
  void tlsHostsRedirectByDefaultAndSslRedirectFalseTurnsItOff() {
    assertThat(route(translate(ingress(Map.of(), 80, true), false)).policy().sslRedirect()).isTrue();
    assertThat(route(translate(ingress(Map.of(), 80, false), false)).policy().sslRedirect())
        .isFalse();
    assertThat(
            route(translate(ingress(Map.of("sluice.dev/ssl-redirect", "false"), 80, true), false))
                .policy()
                .sslRedirect())
        .isFalse();
  }

  @Test
  void forceSslRedirectRedirectsHostsWithoutTls() {
    Translation t = translate(ingress(Map.of("sluice.dev/force-ssl-redirect", "true"), 80, false), false);
    assertThat(route(t).policy().sslRedirect()).isTrue();
    assertThat(t.problems()).isEmpty();
  }

  @Test
  void anInvalidValueLeavesTheIngressOutNamingAnnotationAndValue() {
    Translation t = translate(ingress(Map.of("sluice.dev/force-ssl-redirect", "yes"), 80, false), false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.InvalidSpec);
              assertThat(p.message())
                  .contains("sluice.dev/force-ssl-redirect", "\"yes\"", "not served");
            });
  }

  @Test
  void nginxAnnotationsAreReadOnlyWhenTurnedOn() {
    String yaml = ingress(Map.of("nginx.ingress.kubernetes.io/ssl-redirect", "false"), 80, true);

    Translation off = translate(yaml, false);
    assertThat(route(off).policy().sslRedirect()).isTrue();
    assertThat(off.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.AnnotationIgnored);
              assertThat(p.message())
                  .contains("nginx.ingress.kubernetes.io/ssl-redirect", "--nginx-annotations");
            });

    Translation on = translate(yaml, true);
    assertThat(route(on).policy().sslRedirect()).isFalse();
    assertThat(on.problems()).isEmpty();
  }

  @Test
  void sluicePrefixWinsOverNginxAndErrorsNameTheKeyTheValueCameFrom() {
    Map<String, String> both =
        Map.of(
            "sluice.dev/ssl-redirect", "true",
            "nginx.ingress.kubernetes.io/ssl-redirect", "false");
    assertThat(route(translate(ingress(both, 80, true), true)).policy().sslRedirect()).isTrue();

    Translation bad =
        translate(ingress(Map.of("nginx.ingress.kubernetes.io/force-ssl-redirect", "maybe"), 80, false), true);
    assertThat(bad.problems())
        .singleElement()
        .satisfies(
            p -> assertThat(p.message()).contains("nginx.ingress.kubernetes.io/force-ssl-redirect", "\"maybe\""));
  }

  @Test
  void unimplementedNginxAnnotationsAndUnknownSluiceOnesAreReportedNotDropped() {
    Translation t =
        translate(
            ingress(
                Map.of(
                    "nginx.ingress.kubernetes.io/enable-opentelemetry", "true",
                    "sluice.dev/ssl-redirct", "false"),
                80,
                false),
            true);
    assertThat(route(t)).isNotNull(); // still served
    assertThat(t.problems()).extracting(ResourceProblem::reason).containsOnly(Reason.AnnotationIgnored);
    assertThat(t.problems())
        .extracting(ResourceProblem::message)
        .anySatisfy(m -> assertThat(m).contains("sluice.dev/ssl-redirct"))
        .anySatisfy(m -> assertThat(m).contains("nginx.ingress.kubernetes.io/enable-opentelemetry"));
  }

  @Test
  void snippetsAreRefusedUnderEitherPrefixWhetherOrNotNginxAnnotationsAreOn() {
    for (String key :
        new String[] {
          "nginx.ingress.kubernetes.io/configuration-snippet",
          "nginx.ingress.kubernetes.io/server-snippet",
          "nginx.ingress.kubernetes.io/auth-snippet",
          "sluice.dev/configuration-snippet"
        }) {
      for (boolean nginx : new boolean[] {false, true}) {
        Translation t =
            translate(ingress(Map.of(key, "location / { return 200; }"), 80, false), nginx);
        assertThat(PolicyManifests.routes(t.snapshot())).as(key).isEmpty();
        assertThat(t.problems())
            .singleElement()
            .satisfies(
                p -> {
                  assertThat(p.reason()).isEqualTo(Reason.InvalidSpec);
                  assertThat(p.message()).contains(key, "refused");
                });
      }
    }
  }

  @Test
  void valuesInProblemsAreOneLineSoTheyCannotForgeLogLines() {
    Translation t =
        translate(
            ingress(Map.of("sluice.dev/force-ssl-redirect", "no\r\n2026 INFO forged\u0007"), 80, false),
            false);
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.message()).doesNotContain("\r", "\n", "\u0007");
              assertThat(p.message()).contains("no\\r\\n2026 INFO forged\\x07");
            });
    assertThat(IngressAnnotations.printable("x".repeat(300))).hasSize(203).endsWith("...");
  }

  @Test
  void securityControlsSluiceDoesNotImplementAreRefusedNotIgnored() {
    for (String key :
        new String[] {
          "nginx.ingress.kubernetes.io/auth-tls-verify-client",
          "nginx.ingress.kubernetes.io/auth-tls-secret",
          "nginx.ingress.kubernetes.io/enable-modsecurity",
          "sluice.dev/auth-tls-verify-client"
        }) {
      Translation t = translate(ingress(Map.of(key, "on"), 80, false), true);
      assertThat(PolicyManifests.routes(t.snapshot())).as(key).isEmpty();
      assertThat(t.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.message()).contains(key, "does not implement", "not served"));
    }
    // switched off explicitly: nothing to enforce, served (and reported as ignored)
    Translation off =
        translate(ingress(Map.of("nginx.ingress.kubernetes.io/enable-modsecurity", "false"), 80, false), true);
    assertThat(PolicyManifests.routes(off.snapshot())).hasSize(1);
  }

  @Test
  void timeoutsLongerThanAYearAreRefusedBeforeTheyOverflowNanoseconds() {
    for (String value : new String[] {"2600000h", "99999999999999"}) {
      Translation t =
          translate(ingress(Map.of("sluice.dev/proxy-read-timeout", value), 80, false), false);
      assertThat(PolicyManifests.routes(t.snapshot())).as(value).isEmpty();
      assertThat(t.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.message()).contains("proxy-read-timeout", "365 days"));
    }
  }

  @Test
  void problemMessagesNeverCarryControlCharacters() {
    Translation t =
        translate(
            ingress(Map.of("sluice.dev/session-cookie-path", "/a\nFORGED", "sluice.dev/affinity", "cookie"), 80, false),
            false);
    assertThat(t.problems()).isNotEmpty();
    assertThat(t.problems())
        .allSatisfy(p -> assertThat(p.message()).doesNotContain("\n", "\r"));
  }
}
