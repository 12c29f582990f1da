package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line brings up the admin port next to the proxy, on one Prometheus registry. */
class MainAdminTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^\\s]*:(\\d+)");
  private static final Pattern ADMIN = Pattern.compile(" admin http://[^\\s]*:(\\d+)$");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesSnapshotJsonReadinessAndCountedMetrics() throws Exception {
    try (TestBackend backend = TestBackend.start("main")) {
      Files.writeString(dir.resolve("app.yaml"), manifests(backend.port()));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Main.Running running =
          Main.start(
                  new String[] {
                    "--manifests", dir.toString(), "--bind", "127.0.0.1", "--http-port", "0",
                    "--https-port", "0", "--admin-port", "0"
                  },
                  new PrintStream(out, true, StandardCharsets.UTF_8),
                  System.err)
              .orElseThrow();
      try {
        String line = out.toString(StandardCharsets.UTF_8).strip();
        Matcher proxy = LISTENING.matcher(line);
        Matcher admin = ADMIN.matcher(line);
        assertThat(proxy.find()).as(line).isTrue();
        assertThat(admin.find()).as(line).isTrue();
        int proxyPort = Integer.parseInt(proxy.group(1));
        int adminPort = Integer.parseInt(admin.group(1));
        assertThat(proxyPort).isEqualTo(running.server().httpPort());
        assertThat(adminPort).isEqualTo(running.admin().port());

        assertThat(get(adminPort, "/readyz").statusCode()).isEqualTo(200);

        HttpResponse<String> snapshot = get(adminPort, "/snapshot");
        assertThat(snapshot.body()).doesNotContain("PRIVATE KEY");
        JsonNode json = new ObjectMapper().readTree(snapshot.body());
        assertThat(json.get("version").asLong()).isPositive();
        assertThat(json.at("/virtualHosts/0/hostname").asText()).isEqualTo("web.example.org");
        assertThat(json.at("/virtualHosts/0/routes/0/backend/endpoints/0/port").asInt())
            .isEqualTo(backend.port());
        assertThat(json.get("certificates").isArray()).isTrue();

        int n = 3;
        for (int i = 0; i < n; i++) {
          assertThat(RawHttp.get(proxyPort, "web.example.org", "/echo").status()).isEqualTo(200);
        }
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThat(
                            PrometheusText.parse(get(adminPort, "/metrics").body())
                                .sum("sluice_requests_total", Map.of("status_class", "2xx")))
                        .isEqualTo(n));
        assertThat(get(adminPort, "/").body()).contains("web.example.org");
      } finally {
        running.close();
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String manifests(int backendPort) throws Exception {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Endpoints
        metadata: {name: web}
        subsets:
        - addresses: [{ip: 127.0.0.1}]
          ports: [{port: %d}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: example-net}
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          tls:
          - {hosts: [example.net], secretName: example-net}
          rules:
          - host: web.example.org
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """
        .formatted(backendPort, base64("example-net.crt"), base64("example-net.key"));
  }

  private static String base64(String resource) throws Exception {
    try (InputStream in = MainAdminTest.class.getResourceAsStream("/snapshot/" + resource)) {
      return Base64.getEncoder().encodeToString(in.readAllBytes());
    }
  }
}
