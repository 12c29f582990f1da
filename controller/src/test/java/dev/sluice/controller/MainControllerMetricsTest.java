package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.PrometheusText;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode through the command line: the manifest folder's rebuilds, change-to-live times
 * and rejected resources reach the admin port's {@code /metrics}, scraped over HTTP and parsed.
 */
class MainControllerMetricsTest {
  private static final String LIVE = "sluice_controller_change_to_live_duration_seconds_count";
  private static final String BUILD = "sluice_controller_snapshot_build_duration_seconds_count";
  private static final String REJECTED = "sluice_controller_rejected_resources";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void fileChangesAndARejectedIngressMoveTheControllerMetrics() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), ingress("web", "web") + service("web"));
    Main.Running running =
        Main.start(
                new String[] {
                  "--manifests", dir.toString(), "--bind", "127.0.0.1", "--http-port", "0",
                  "--https-port", "0", "--admin-port", "0"
                },
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                System.err)
            .orElseThrow();
    try {
      int admin = running.admin().port();
      PrometheusText first = scrape(admin);
      assertThat(first.sum(BUILD, Map.of())).isEqualTo(1);
      assertThat(first.sum(LIVE, Map.of())).as("startup is no change").isZero();
      assertThat(first.sum(REJECTED, Map.of())).isZero();
      assertThat(first.families()).as("no reconcilers standalone")
          .doesNotContainKey("sluice_controller_reconciles_total");

      // a second Ingress whose Service does not exist
      Files.writeString(dir.resolve("broken.yaml"), ingress("broken", "nope"));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        PrometheusText m = scrape(admin);
        assertThat(m.sum(REJECTED, Map.of("kind", "Ingress", "reason", "BackendNotFound")))
            .isEqualTo(1);
        assertThat(m.sum(LIVE, Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(m.sum(BUILD, Map.of())).isGreaterThanOrEqualTo(2);
        assertThat(m.sum("sluice_snapshot_version", Map.of())).isGreaterThanOrEqualTo(2);
      });

      Files.delete(dir.resolve("broken.yaml"));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(scrape(admin).sum(REJECTED, Map.of())).isZero());
    } finally {
      running.close();
    }
  }

  private PrometheusText scrape(int port) throws Exception {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  private static String service(String name) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %s}
        spec:
          ports: [{port: 80}]
        """.formatted(name);
  }

  private static String ingress(String name, String svc) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: %s}
        spec:
          rules:
          - host: %s.example.org
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}
        """.formatted(name, name, svc);
  }
}
