package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.ingress;
import static dev.sluice.controller.cluster.KubeObjects.ingressClass;
import static dev.sluice.controller.cluster.KubeObjects.ingressWithTls;
import static dev.sluice.controller.cluster.KubeObjects.service;
import static dev.sluice.controller.cluster.KubeObjects.slice;
import static dev.sluice.controller.cluster.KubeObjects.tlsSecret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.metrics.ControllerMetrics;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.admin.AdminServer;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.DefaultCertificate;
import dev.sluice.testing.PrometheusText;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller's metrics as a Prometheus server sees them: the cluster controller runs against
 * fabric8's mock API server (real HTTP and watches), the data plane and the admin listener share
 * one registry as in {@code Main}, and every assertion reads {@code /metrics} over HTTP through the
 * strict text-format parser.
 */
class ControllerMetricsTest {
  private static final String NS = "metrics";
  private static final String BUILD = "sluice_controller_snapshot_build_duration_seconds";
  private static final String LIVE = "sluice_controller_change_to_live_duration_seconds";
  private static final String REJECTED = "sluice_controller_rejected_resources";
  private static final String LIMITS = "sluice_controller_limit_rejected_resources";

  private final HttpClient http = HttpClient.newHttpClient();
  private KubernetesMockServer api;
  private KubernetesClient client;
  private SluiceServer server;
  private AdminServer admin;
  private ClusterController controller;

  @BeforeEach
  void setUp() throws Exception {
    api = MockApiServer.start();
    // The status write of Ingress "broken" is refused as an API server refuses an invalid object
    // (422; the client retries 5xx itself, not this): the reconcile fails and JOSDK retries it.
    api.expect().patch()
        .withPath("/apis/networking.k8s.io/v1/namespaces/" + NS + "/ingresses/broken/status")
        .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid")
            .withMessage("refused for the test").build())
        .always();
    client = api.createClient();
    MockApiServer.registerCrd(client);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    apply(ingressClass());

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SnapshotHolder holder = new SnapshotHolder();
    ServerSettings settings = ServerSettings.builder().bindAddress("127.0.0.1")
        .httpPort(0).httpsPort(0).adminPort(0).build();
    server = SluiceServer.start(settings, holder, registry);
    admin = AdminServer.start(settings, holder, registry);
    controller = ClusterController.start(client,
        ClusterSettings.builder().identity("solo").publishAddress("10.9.9.9")
            .watchNamespaces(Set.of(NS)).leaseNamespace(NS).exitOnStopLeading(false).build(),
        holder, null, new ControllerMetrics(registry));
    await().atMost(Duration.ofSeconds(5)).until(controller::ready);
  }

  @AfterEach
  void tearDown() {
    if (controller != null) {
      controller.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
    client.close();
    api.destroy();
  }

  @Test
  void snapshotBuildsChangesRejectionsLimitsAndCertificatesAreScraped() throws Exception {
    PrometheusText first = scrape();
    double version = first.sum("sluice_snapshot_version", Map.of());
    double builds = first.sum(BUILD + "_count", Map.of());
    assertThat(builds).as("the first snapshot was built").isGreaterThanOrEqualTo(1);
    assertThat(first.family(BUILD).type()).isEqualTo("histogram");
    assertThat(first.family(LIVE).type()).isEqualTo("histogram");
    assertThat(first.sum(LIVE + "_count", Map.of())).as("startup is no change").isZero();
    assertThat(first.family(REJECTED).samples()).as("known series start at 0")
        .allMatch(s -> s.value() == 0)
        .anyMatch(s -> s.labels().equals(Map.of("kind", "Ingress", "reason", "BackendNotFound")));
    assertThat(first.family(LIMITS).samples()).hasSize(6).allMatch(s -> s.value() == 0);

    // a served Ingress with a certificate valid for a day
    Certificate cert = DefaultCertificate.selfSigned(
        "t", "secure.test", List.of("secure.test"), Duration.ofDays(1));
    apply(service("web"), slice("web", 8080, true), tlsSecret("secure-tls", cert),
        ingressWithTls("secure", "secure.test", "web", "secure-tls"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      PrometheusText m = scrape();
      assertThat(m.sum("sluice_snapshot_version", Map.of())).isGreaterThan(version);
      assertThat(m.sum(LIVE + "_count", Map.of())).isGreaterThanOrEqualTo(1);
      assertThat(m.sum(LIVE + "_bucket", Map.of("le", "+Inf")))
          .isEqualTo(m.sum(LIVE + "_count", Map.of()));
      assertThat(m.sum(BUILD + "_count", Map.of())).isGreaterThan(builds);
      assertThat(m.sum("sluice_certificate_expires_in_seconds", Map.of("host", "secure.test")))
          .isBetween(Duration.ofHours(23).toSeconds() * 1.0, Duration.ofDays(1).toSeconds() * 1.0);
      // the leader wrote its status: one reconcile at least
      assertThat(m.sum("sluice_controller_reconciles_total", Map.of("kind", "Ingress")))
          .isGreaterThanOrEqualTo(1);
    });

    // an Ingress naming a Service that does not exist, and one over the annotation limit
    Ingress huge = ingress("huge", "huge.test", "/", "web");
    huge.getMetadata().setAnnotations(Map.of("example.org/blob", "x".repeat(300 * 1024)));
    apply(ingress("missing", "missing.test", "/", "nope"), huge);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      PrometheusText m = scrape();
      assertThat(m.sum(REJECTED, Map.of("kind", "Ingress", "reason", "BackendNotFound")))
          .isEqualTo(1);
      assertThat(m.sum(REJECTED, Map.of("kind", "Ingress", "reason", "LimitExceeded")))
          .isEqualTo(1);
      assertThat(m.sum(LIMITS, Map.of("limit", "annotations_bytes"))).isEqualTo(1);
      assertThat(m.sum(LIMITS, Map.of("limit", "paths_per_ingress"))).isZero();
    });

    // fixing and deleting them brings the gauges back down; the certificate's host goes away
    client.network().v1().ingresses().inNamespace(NS).withName("missing").delete();
    client.network().v1().ingresses().inNamespace(NS).withName("huge").delete();
    client.network().v1().ingresses().inNamespace(NS).withName("secure").delete();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      PrometheusText m = scrape();
      assertThat(m.sum(REJECTED, Map.of())).isZero();
      assertThat(m.sum(LIMITS, Map.of())).isZero();
      assertThat(m.families().getOrDefault("sluice_certificate_expires_in_seconds",
          new PrometheusText.Family("", "", "", List.of())).samples()).isEmpty();
    });
  }

  @Test
  void failedStatusWritesCountAsReconcileErrors() throws Exception {
    apply(service("web"), slice("web", 8080, true), ingress("broken", "broken.test", "/", "web"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      PrometheusText m = scrape();
      assertThat(m.sum("sluice_controller_reconcile_errors_total", Map.of("kind", "Ingress")))
          .isGreaterThanOrEqualTo(1);
      assertThat(m.sum("sluice_controller_reconciles_total", Map.of("kind", "Ingress")))
          .isGreaterThanOrEqualTo(1);
    });
    assertThat(scrape().sum("sluice_controller_reconcile_errors_total",
        Map.of("kind", "TLSPassthroughRoute"))).isZero();
  }

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  private void apply(HasMetadata... objects) {
    for (HasMetadata o : objects) {
      if (o.getMetadata().getNamespace() == null && !(o instanceof IngressClass)) {
        o.getMetadata().setNamespace(NS);
      }
      client.resource(o).createOr(op -> op.update());
    }
  }
}
