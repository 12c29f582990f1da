package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.dataplane.accesslog.AccessLogSettings;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --access-log*} flags: parsed, validated, and a running Sluice writing JSON lines. */
class MainAccessLogTest {
  @TempDir Path dir;

  @Test
  void flagsParseIntoSettings() throws Exception {
    assertThat(AccessLogFlags.parse("--manifests", "/srv").destination())
        .isEqualTo(AccessLogSettings.Destination.OFF);
    String[] args = {
      "--manifests", "/srv", "--access-log", "/var/log/sluice.log", "--access-log-format=json",
      "--access-log-sample", "0.1"
    };
    Flags flags = Flags.parse(args); // accepted by the main parser too
    AccessLogSettings s = AccessLogFlags.parse(args);
    assertThat(s.destination()).isEqualTo(AccessLogSettings.Destination.FILE);
    assertThat(s.file()).isEqualTo(Path.of("/var/log/sluice.log"));
    assertThat(s.format()).isEqualTo(AccessLogSettings.Format.JSON);
    assertThat(s.sampleRatio()).isEqualTo(0.1);
    assertThat(AccessLogFlags.serverSettings(flags, args).accessLog()).isEqualTo(s);
    assertThat(AccessLogFlags.parse("--access-log", "stdout").destination())
        .isEqualTo(AccessLogSettings.Destination.STDOUT);
    assertThat(Flags.USAGE).contains("--access-log-sample");
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertThatThrownBy(() -> Flags.parse("--access-log", "stdout", "--access-log-format", "xml"))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining("text or json");
    assertThatThrownBy(() -> Flags.parse("--access-log", "stdout", "--access-log-sample", "2"))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining("0 to 1");
    assertThatThrownBy(() -> Flags.parse("--access-log-format", "json"))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining("need --access-log");
    assertThatThrownBy(() -> Flags.parse("--access-log", "stdout", "--access-log", "off"))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining("given twice");
  }

  @Test
  void standaloneSluiceWritesJsonLinesAndExportsTheDroppedCounter() throws Exception {
    Path log = dir.resolve("access.log");
    Path manifests = Files.createDirectory(dir.resolve("m"));
    try (TestBackend backend = TestBackend.start("main")) {
      Files.writeString(manifests.resolve("app.yaml"), manifests(backend.port()));
      Main.Running running =
          Main.start(
                  new String[] {
                    "--manifests", manifests.toString(), "--bind", "127.0.0.1", "--http-port", "0",
                    "--https-port", "0", "--admin-port", "0", "--access-log", log.toString(),
                    "--access-log-format", "json"
                  },
                  new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                  System.err)
              .orElseThrow();
      try {
        int port = running.server().httpPort();
        for (int i = 0; i < 3; i++) {
          assertThat(RawHttp.get(port, "web.example.org", "/echo?i=" + i).status()).isEqualTo(200);
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Files.exists(log) && Files.readAllLines(log).size() >= 3);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);
        ObjectMapper mapper = new ObjectMapper();
        // each line is written when its exchange ends, which may be on different event loops:
        // the order of lines is not the order of the responses, so find each request's line
        List<String> uris = new java.util.ArrayList<>();
        for (String line : lines) {
          uris.add(mapper.readTree(line).get("uri").asText());
        }
        assertThat(uris).containsExactlyInAnyOrder("/echo?i=0", "/echo?i=1", "/echo?i=2");
        for (int i = 0; i < 3; i++) {
          JsonNode json = mapper.readTree(lines.get(uris.indexOf("/echo?i=" + i)));
          assertThat(json.get("kind").asText()).isEqualTo("http");
          assertThat(json.get("client").asText()).isEqualTo("127.0.0.1");
          assertThat(json.get("host").asText()).isEqualTo("web.example.org");
          assertThat(json.get("method").asText()).isEqualTo("GET");
          assertThat(json.get("uri").asText()).isEqualTo("/echo?i=" + i);
          assertThat(json.get("protocol").asText()).isEqualTo("HTTP/1.1");
          assertThat(json.get("route").asText()).isNotBlank();
          assertThat(json.get("upstream").asText()).isEqualTo("127.0.0.1:" + backend.port());
          assertThat(json.get("status").asInt()).isEqualTo(200);
          assertThat(json.get("bytes_in").asLong()).isZero();
          assertThat(json.get("bytes_out").asLong()).isPositive();
          assertThat(json.get("duration_ms").isNumber()).isTrue();
          assertThat(json.get("upstream_duration_ms").isNumber()).isTrue();
          assertThat(json.get("referer").isNull()).isTrue();
        }
        HttpResponse<String> metrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + running.admin().port() + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        PrometheusText text = PrometheusText.parse(metrics.body());
        assertThat(text.sum("sluice_access_log_dropped_total", Map.of())).isZero();
        // exported even before anything was dropped: an alert can watch it from the start
        assertThat(text.families().keySet()).anyMatch(n -> n.startsWith("sluice_access_log_dropped"));
        assertThat(text.sum("sluice_access_log_written_total", Map.of())).isEqualTo(3.0);
      } finally {
        running.close();
      }
    }
  }

  private static String manifests(int backendPort) {
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
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
          - host: web.example.org
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """
        .formatted(backendPort);
  }
}
