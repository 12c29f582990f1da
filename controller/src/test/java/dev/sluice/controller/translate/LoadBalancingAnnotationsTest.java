package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.routes;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.CookieAffinity;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code load-balance}, {@code upstream-hash-by}, cookie affinity and canary Ingresses. */
class LoadBalancingAnnotationsTest {
  private static final Pattern BACKEND = Pattern.compile("\"backend\":\"([^\"]+)\"");

  private static BackendGroup backend(Map<String, String> annotations, boolean nginx) {
    Translation t = translate(ingress(annotations, 80, false), nginx);
    assertThat(t.problems()).isEmpty();
    return route(t).backend();
  }

  @ParameterizedTest
  @CsvSource({
    "round_robin, ROUND_ROBIN",
    "least_request, LEAST_REQUEST",
    "least_conn, LEAST_REQUEST",
    "random, RANDOM",
    "EWMA, EWMA"
  })
  void loadBalanceNamesAnAlgorithm(String value, LoadBalancing expected) {
    assertThat(backend(Map.of("sluice.dev/load-balance", value), false).loadBalancing())
        .isEqualTo(expected);
    assertThat(
            backend(Map.of("nginx.ingress.kubernetes.io/load-balance", value), true)
                .loadBalancing())
        .isEqualTo(expected);
  }

  @Test
  void defaultsAreRoundRobinWithoutHashingOrAffinity() {
    BackendGroup g = backend(Map.of(), false);
    assertThat(g.loadBalancing()).isEqualTo(LoadBalancing.ROUND_ROBIN);
    assertThat(g.hashBy()).isNull();
    assertThat(g.affinity()).isNull();
  }

  @Test
  void hashByReadsIngressNginxVariables() {
    assertThat(backend(Map.of("sluice.dev/upstream-hash-by", "$http_x_user"), false).hashBy())
        .hasToString("$http_x_user");
    assertThat(backend(Map.of("sluice.dev/upstream-hash-by", "$remote_addr"), false).hashBy())
        .hasToString("$remote_addr");
  }

  @Test
  void affinityCookieDefaultsToIngressNginxNameAndTheRoutePath() {
    CookieAffinity c = backend(Map.of("sluice.dev/affinity", "cookie"), false).affinity();
    assertThat(c).isEqualTo(new CookieAffinity("INGRESSCOOKIE", "/", null, null, false));
    CookieAffinity full =
        backend(
                Map.of(
                    "nginx.ingress.kubernetes.io/affinity", "cookie",
                    "nginx.ingress.kubernetes.io/session-cookie-name", "route",
                    "nginx.ingress.kubernetes.io/session-cookie-path", "/app",
                    "nginx.ingress.kubernetes.io/session-cookie-max-age", "172800",
                    "nginx.ingress.kubernetes.io/session-cookie-samesite", "None",
                    "nginx.ingress.kubernetes.io/session-cookie-secure", "true"),
                true)
            .affinity();
    assertThat(full)
        .isEqualTo(
            new CookieAffinity(
                "route", "/app", Duration.ofSeconds(172800), CookieAffinity.SameSite.NONE, true));
  }

  @Test
  void cookieSettingsWithoutAffinityAreReportedAsIgnored() {
    Translation t =
        translate(ingress(Map.of("sluice.dev/session-cookie-name", "x"), 80, false), false);
    assertThat(routes(t.snapshot())).hasSize(1);
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).isEqualTo(Reason.AnnotationIgnored));
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = "|",
      textBlock =
          """
          load-balance             | fastest     |
          upstream-hash-by         | $host       |
          upstream-hash-by         | $http_a b   |
          affinity                 | ip          |
          session-cookie-name      | a;b         | affinity
          session-cookie-path      | app         | affinity
          session-cookie-max-age   | 1h          | affinity
          session-cookie-max-age   | -5          | affinity
          session-cookie-samesite  | Sometimes   | affinity
          session-cookie-secure    | yes         | affinity
          canary-weight            | 101         | canary
          canary-weight            | -1          | canary
          canary-weight-total      | 0           | canary
          canary-by-header         | x y         | canary
          canary-by-header-value   | always      | canary
          canary-by-cookie         | a=b         | canary
          canary                   | maybe       |
          """)
  void invalidValuesLeaveTheIngressOutNamingKeyAndValue(String name, String value, String with) {
    Map<String, String> a = new HashMap<>();
    a.put("sluice.dev/" + name, value);
    if ("affinity".equals(with)) {
      a.put("sluice.dev/affinity", "cookie");
    } else if ("canary".equals(with)) {
      a.put("sluice.dev/canary", "true");
    }
    Translation t = translate(ingress(a, 80, false), false);
    assertThat(routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.InvalidSpec);
              assertThat(p.message())
                  .contains("sluice.dev/" + name, "\"" + value + "\"", "not served");
            });
  }

  /** Main Ingress {@code main} to Service web, canary Ingress {@code canary} to Service next. */
  static String mainAndCanary(String canaryAnnotations, int webPort, int nextPort, boolean main) {
    String y =
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: canary
          namespace: default
          annotations:
            sluice.dev/canary: "true"
        %s
        spec:
          rules:
          - host: app.example.org
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: next, port: {number: 80}}}}
        """
            .formatted(canaryAnnotations.indent(4).stripTrailing())
            + service("web", webPort)
            + service("next", nextPort);
    if (main) {
      y +=
          """
          ---
          apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata: {name: main, namespace: default}
          spec:
            rules:
            - host: app.example.org
              http:
                paths:
                - {path: /, pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
          """;
    }
    return y;
  }

  private static String service(String name, int port) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %1$s, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: %2$d}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-1
          namespace: default
          labels: {kubernetes.io/service-name: %1$s}
        addressType: IPv4
        ports: [{name: http, port: %2$d}]
        endpoints: [{addresses: [127.0.0.1]}]
        """
        .formatted(name, port);
  }

  @Test
  void canaryIngressBecomesASecondBackendOfTheMainRoute() {
    // the canary is listed first (older): it still attaches to the main Ingress's route
    Translation t =
        translate(
            mainAndCanary(
                "sluice.dev/canary-weight: \"30\"\nsluice.dev/canary-by-header: X-Canary",
                8081,
                8082,
                true),
            false);
    assertThat(t.problems()).isEmpty();
    HttpRoute r = route(t);
    assertThat(r.name()).startsWith("default/main");
    assertThat(r.backend().name()).isEqualTo("default/web:80");
    assertThat(r.canary().backend().name()).isEqualTo("default/next:80");
    assertThat(r.canary().weight()).isEqualTo(30);
    assertThat(r.canary().weightTotal()).isEqualTo(100);
    assertThat(r.canary().header()).isEqualTo("x-canary");
  }

  @Test
  void canaryWithoutMainIngressIsReported() {
    Translation t = translate(mainAndCanary("sluice.dev/canary-weight: \"30\"", 8081, 8082, false), false);
    assertThat(routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("canary");
              assertThat(p.message()).contains("canary", "app.example.org", "not served");
            });
  }

  @Test
  void canaryServesRealRequestsByHeaderAndWeight() throws Exception {
    try (TestBackend web = TestBackend.start("web");
        TestBackend next = TestBackend.start("next");
        TestProxy proxy = TestProxy.start()) {
      Translation t =
          translate(
              mainAndCanary(
                  "sluice.dev/canary-weight: \"50\"\nsluice.dev/canary-by-header: X-Canary",
                  web.port(),
                  next.port(),
                  true),
              false);
      assertThat(t.problems()).isEmpty();
      proxy.publish(t.snapshot());
      assertThat(count(proxy, 40, "X-Canary: always\r\n")).containsOnlyKeys("next");
      assertThat(count(proxy, 40, "X-Canary: never\r\n")).containsOnlyKeys("web");
      Map<String, Integer> split = count(proxy, 200, "");
      assertThat(split.get("next")).isBetween(60, 140);
      assertThat(split.get("web")).isBetween(60, 140);
    }
  }

  @Test
  void affinityAndLoadBalanceServeRealRequests() throws Exception {
    try (TestBackend web = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      Translation t =
          translate(
              ingress(
                  Map.of(
                      "sluice.dev/affinity", "cookie",
                      "sluice.dev/session-cookie-max-age", "60",
                      "sluice.dev/load-balance", "ewma"),
                  web.port(),
                  false),
              false);
      proxy.publish(t.snapshot());
      try (RawHttp client = RawHttp.connect(proxy.port())) {
        RawHttp.Response r =
            client.send("GET / HTTP/1.1\r\nHost: app.example.org\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("set-cookie"))
            .matches("INGRESSCOOKIE=[0-9a-f]{24}; Path=/; Max-Age=60; HttpOnly");
      }
    }
  }

  private static Map<String, Integer> count(TestProxy proxy, int n, String headers)
      throws Exception {
    Map<String, Integer> hits = new HashMap<>();
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < n; i++) {
        RawHttp.Response r =
            client
                .send("GET /echo HTTP/1.1\r\nHost: app.example.org\r\n" + headers + "\r\n")
                .read();
        Matcher m = BACKEND.matcher(r.bodyText());
        assertThat(m.find()).as(r.bodyText()).isTrue();
        hits.merge(m.group(1), 1, Integer::sum);
      }
    }
    return hits;
  }
}
