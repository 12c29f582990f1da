package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.cluster.MockApiServer;
import dev.sluice.testing.PrometheusText;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 6, operations: the packaged jar in cluster mode (KUBECONFIG, as README documents) against
 * an API server that is not there yet when Sluice starts (fabric8's CRUD mock API server, started
 * in this JVM on the port the kubeconfig names), the quickstart's echo backend as a process, curl
 * as the client. What an operator checks: /readyz says 503 until the first snapshot and 200 after;
 * a Prometheus scrape of /metrics (parsed by the strict text-format parser the data plane's tests
 * use) shows the traffic by route and status class; a killed backend answers 502/503 at once and
 * serves again by itself when it is back on its port; a restarted Sluice serves the same routes.
 * The steps build on each other, so they run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsScenarioTest {
  static final String HOST = "ops.example.test";
  @TempDir static Path work;
  static int apiPort;
  static Map<String, String> env;
  static EchoProcess echo;
  static SluiceProcess sluice;
  static KubernetesMockServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    apiPort = EchoProcess.freePort(); // nothing listens there until the API server "comes up"
    Path kubeconfig = work.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: e2e, cluster: {server: "http://127.0.0.1:%d"}}]
        contexts: [{name: e2e, context: {cluster: e2e, namespace: default, user: e2e}}]
        current-context: e2e
        users: [{name: e2e, user: {token: e2e}}]
        """.formatted(apiPort));
    // HTTP/1.1 to the mock, as its own client config does: its watches (WebSocket) do not follow
    // the JDK client's h2c upgrade. A real API server speaks TLS and negotiates HTTP/2 by ALPN.
    env = Map.of("KUBECONFIG", kubeconfig.toString(), "KUBERNETES_HTTP2_DISABLE", "true");
    // the three start-ups overlap: Sluice and the backend boot while this JVM loads the mock's
    // classes (a throwaway mock on another port), so the API server comes up quickly later
    ExecutorService boot = Executors.newFixedThreadPool(2);
    try {
      Future<SluiceProcess> sluiceStarted = boot.submit(OperationsScenarioTest::startSluice);
      Future<EchoProcess> echoStarted = boot.submit(() -> EchoProcess.start("echo-ops"));
      try {
        KubernetesMockServer warm = MockApiServer.start();
        try (KubernetesClient c = warm.createClient()) {
          MockApiServer.registerCrd(c);
          c.load(new ByteArrayInputStream(resources(1).getBytes(StandardCharsets.UTF_8))).items();
        } finally {
          warm.destroy();
        }
      } finally {
        // both kept even when something failed, so that @AfterAll stops whatever did start
        try {
          echo = echoStarted.get(60, TimeUnit.SECONDS);
        } finally {
          sluice = sluiceStarted.get(60, TimeUnit.SECONDS);
        }
      }
    } finally {
      boot.shutdown();
    }
  }

  static SluiceProcess startSluice() throws Exception {
    return SluiceProcess.start(work, List.of(), env, "--bind", "127.0.0.1", "--http-port", "0",
        "--https-port", "0", "--admin-port", "0", "--debounce", "50ms");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (sluice != null) sluice.close();
      if (echo != null) echo.close();
    } finally {
      if (client != null) client.close();
      if (api != null) api.destroy();
    }
  }

  @Test
  @Order(1)
  void readyzIsNotReadyUntilTheFirstSnapshotAndReadyAfter() throws Exception {
    // the process is up and healthy, but has no snapshot: the API server does not answer yet
    assertThat(admin("/healthz").status()).isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      Curl.Result r = admin("/readyz");
      assertThat(r.status()).as(r.body()).isEqualTo(503);
      assertThat(r.body()).contains("not ready");
      Thread.sleep(200);
    }
    assertThat(Curl.get(sluice.httpPort(), HOST, "/").status()).isEqualTo(404);

    api = MockApiServer.start(apiPort);
    client = api.createClient();
    MockApiServer.registerCrd(client);
    apply(resources(echo.port()));

    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> admin("/readyz").status() == 200);
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> Curl.get(sluice.httpPort(), HOST, "/").status() == 200);
    assertThat(Curl.get(sluice.httpPort(), HOST, "/hello").body()).contains("backend: echo-ops");
  }

  @Test
  @Order(2)
  void prometheusScrapeShowsTheTrafficByRouteAndStatusClass() throws Exception {
    PrometheusText before = scrape();
    String route = routeOf(before);
    double ok = requests(before, route, "2xx");
    double noRoute = requests(before, "-", "4xx");
    for (int i = 0; i < 7; i++) {
      assertThat(Curl.get(sluice.httpPort(), HOST, "/n/" + i).status()).isEqualTo(200);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(Curl.get(sluice.httpPort(), "nobody.example.test", "/").status()).isEqualTo(404);
    }
    PrometheusText after = scrape();
    assertThat(requestFamily(after).type()).isEqualTo("counter");
    assertThat(requests(after, route, "2xx") - ok).isEqualTo(7);
    assertThat(requests(after, "-", "4xx") - noRoute).isEqualTo(3);
    assertThat(requests(after, route, "5xx")).isZero();
  }

  @Test
  @Order(3)
  void killedBackendAnswers502At0nceAndServesAgainWhenItIsBack() throws Exception {
    int port = echo.port();
    echo.kill();
    // --max-time 4 s is below the 5 s default connect timeout: the answer comes from the refused
    // connection, not from waiting a timeout out (curl reports -1 if it has to give up)
    for (int i = 0; i < 3; i++) {
      Curl.Result r = Curl.get(sluice.httpPort(), HOST, "/down", "--max-time", "4");
      assertThat(r.status()).as(r.body()).isIn(502, 503);
    }
    assertThat(requests(scrape(), routeOf(scrape()), "5xx")).isGreaterThanOrEqualTo(3);

    echo = EchoProcess.start(port, "echo-ops-again"); // the same port; nothing else changes
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> Curl.get(sluice.httpPort(), HOST, "/").status() == 200);
    assertThat(Curl.get(sluice.httpPort(), HOST, "/back").body()).contains("backend: echo-ops-again");
  }

  @Test
  @Order(4)
  void restartedSluiceServesTheSameRoutes() throws Exception {
    // SIGTERM, as Kubernetes stops a pod: the leader gives its Lease up and the JVM exits by itself
    sluice.process().destroy();
    assertThat(sluice.process().waitFor(10, TimeUnit.SECONDS)).as(sluice.log()).isTrue();
    assertThat(sluice.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, not a SIGKILL's 137
    sluice.close();
    sluice = startSluice();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> admin("/readyz").status() == 200);
    Curl.Result r = Curl.get(sluice.httpPort(), HOST, "/again");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("request: GET /again").contains("backend: echo-ops-again");
    assertThat(Curl.get(sluice.httpPort(), "nobody.example.test", "/").status()).isEqualTo(404);
  }

  static Curl.Result admin(String path) throws Exception {
    return Curl.get(sluice.adminPort(), "localhost", path);
  }

  static PrometheusText scrape() throws Exception {
    Curl.Result r = admin("/metrics");
    assertThat(r.status()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  static double requests(PrometheusText p, String route, String statusClass) {
    return p.sum("sluice_requests_total",
        Map.of("route", route, "method", "GET", "status_class", statusClass));
  }

  /** The route tag of the Ingress's one route: the only series that is not "no route". */
  static String routeOf(PrometheusText p) {
    List<String> routes = requestFamily(p).samples().stream()
        .filter(s -> s.name().equals("sluice_requests_total"))
        .map(s -> s.labels().get("route")).filter(r -> !"-".equals(r)).distinct().toList();
    assertThat(routes).hasSize(1);
    return routes.getFirst();
  }

  /** The family that holds the {@code sluice_requests_total} samples. */
  static PrometheusText.Family requestFamily(PrometheusText p) {
    return p.families().values().stream()
        .filter(f -> f.samples().stream().anyMatch(s -> s.name().equals("sluice_requests_total")))
        .findFirst().orElseThrow(() -> new AssertionError("no sluice_requests_total in the scrape"));
  }

  static void apply(String yaml) {
    for (HasMetadata o : client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      client.resource(o).create();
    }
  }

  static String resources(int backendPort) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: echo-1
          namespace: default
          labels: {kubernetes.io/service-name: echo}
        addressType: IPv4
        ports: [{name: http, port: %d, protocol: TCP}]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true, serving: true}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: ops, namespace: default}
        spec:
          ingressClassName: sluice
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
        """.formatted(backendPort, HOST);
  }
}
