package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An Ingress as ingress-nginx users write it today, annotations and all, read with {@code
 * --nginx-annotations=true}: every annotation Sluice implements takes effect with ingress-nginx's
 * value syntax, the ones it does not are reported by name, nothing is dropped silently; without
 * the flag, all of them are reported and none is applied.
 */
class IngressNginxMigrationTest {
  private static final String N = "nginx.ingress.kubernetes.io/";

  private static Map<String, String> typicalIngressNginxAnnotations() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(N + "ssl-redirect", "false");
    a.put(N + "force-ssl-redirect", "true");
    a.put(N + "proxy-body-size", "8m");
    a.put(N + "proxy-connect-timeout", "10");
    a.put(N + "proxy-read-timeout", "3600");
    a.put(N + "proxy-send-timeout", "3600");
    a.put(N + "upstream-vhost", "internal.example.org");
    a.put(N + "whitelist-source-range", "10.0.0.0/8, 192.168.0.0/16");
    a.put(N + "enable-cors", "true");
    a.put(N + "cors-allow-origin", "https://app.example.org");
    a.put(N + "load-balance", "ewma");
    a.put(N + "affinity", "cookie");
    a.put(N + "session-cookie-name", "route");
    a.put(N + "limit-rps", "20");
    // ingress-nginx features Sluice does not implement
    a.put(N + "proxy-buffering", "on");
    a.put(N + "enable-opentelemetry", "true");
    return a;
  }

  @Test
  void implementedAnnotationsApplyAndTheOthersAreReportedByName() {
    Translation t =
        translate(PolicyManifests.ingress(typicalIngressNginxAnnotations(), 80, true), true);
    HttpRoute r = route(t);
    RoutePolicy p = r.policy();

    assertThat(p.sslRedirect()).as("force-ssl-redirect wins over ssl-redirect false").isTrue();
    assertThat(p.transfer().maxBodySize()).isEqualTo(8L * 1024 * 1024);
    assertThat(p.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.transfer().readTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(p.transfer().sendTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(p.rewrite().upstreamVhost()).isEqualTo("internal.example.org");
    assertThat(p.access().sourceRanges().allow()).containsExactly("10.0.0.0/8", "192.168.0.0/16");
    assertThat(p.cors().allowOrigins()).containsExactly("https://app.example.org");
    assertThat(p.access().rateLimits().rps()).isEqualTo(20);
    assertThat(r.backend().loadBalancing()).isEqualTo(LoadBalancing.EWMA);
    assertThat(r.backend().affinity().name()).isEqualTo("route");

    assertThat(t.problems())
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.reason()).isEqualTo(Reason.AnnotationIgnored);
              assertThat(problem.message())
                  .contains(N + "proxy-buffering", N + "enable-opentelemetry")
                  .doesNotContain(N + "proxy-body-size", N + "limit-rps");
            });
  }

  @Test
  void withoutTheFlagNothingOfIngressNginxIsAppliedAndAllOfItIsReported() {
    Translation t =
        translate(PolicyManifests.ingress(typicalIngressNginxAnnotations(), 80, true), false);
    RoutePolicy p = route(t).policy();
    assertThat(p.transfer().isNone()).isTrue();
    assertThat(p.access().isNone()).isTrue();
    assertThat(p.cors().isNone()).isTrue();
    assertThat(p.connectTimeout()).isEqualTo(RoutePolicy.DEFAULT_CONNECT_TIMEOUT);
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            problem -> {
              assertThat(problem.reason()).isEqualTo(Reason.AnnotationIgnored);
              assertThat(problem.message())
                  .contains("--nginx-annotations", N + "proxy-body-size", N + "limit-rps");
            });
  }
}
