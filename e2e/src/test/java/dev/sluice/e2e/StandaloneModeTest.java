package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode as a user runs it: the packaged jar on a folder of manifests, two echo backend
 * processes, curl as the client. Edits to the folder go live without a restart; a broken file keeps
 * the last good configuration serving.
 */
class StandaloneModeTest {
  @TempDir static Path work;
  static EchoProcess echoA;
  static EchoProcess echoB;
  static Path manifests;
  static SluiceProcess sluice;

  @BeforeAll
  static void start() throws Exception {
    echoA = EchoProcess.start("echo-a");
    echoB = EchoProcess.start("echo-b");
    manifests = Files.createDirectories(work.resolve("manifests"));
    String quickstart =
        Files.readString(SluiceProcess.repo().resolve("examples/quickstart/manifests/echo.yaml"))
            .replace("port: 9001", "port: " + echoA.port())
            .replace("port: 9002", "port: " + echoB.port());
    Files.writeString(manifests.resolve("echo.yaml"), quickstart);
    sluice =
        SluiceProcess.start(
            work, "--manifests", manifests.toString(), "--bind", "127.0.0.1", "--http-port", "0",
            "--https-port", "0", "--admin-port", "0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) sluice.close();
    if (echoA != null) echoA.close();
    if (echoB != null) echoB.close();
  }

  @Test
  void quickstartRouteReachesBothEchoBackendsWithForwardedHeaders() throws Exception {
    Set<String> backends = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      Curl.Result r = Curl.get(sluice.httpPort(), "echo.example.test", "/hello?x=" + i);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("request: GET /hello?x=" + i);
      assertThat(r.body()).containsIgnoringCase("x-forwarded-for: 127.0.0.1");
      assertThat(r.body()).containsIgnoringCase("x-real-ip: 127.0.0.1");
      assertThat(r.body()).containsIgnoringCase("x-forwarded-host: echo.example.test");
      assertThat(r.body()).containsIgnoringCase("x-forwarded-proto: http");
      backends.add(r.body().lines().filter(l -> l.startsWith("backend: ")).findFirst().orElseThrow());
    }
    assertThat(backends).containsExactlyInAnyOrder("backend: echo-a", "backend: echo-b");
  }

  @Test
  void unknownHostGets404AndNeverReachesABackend() throws Exception {
    Curl.Result r = Curl.get(sluice.httpPort(), "nobody.example.test", "/");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body()).doesNotContain("backend:");
  }

  @Test
  void savedChangeGoesLiveAndBrokenFileKeepsLastGoodSnapshot() throws Exception {
    String extra =
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: added
          namespace: default
        spec:
          rules:
            - host: added.example.test
              http:
                paths:
                  - path: /only-here
                    pathType: Exact
                    backend:
                      service:
                        name: echo
                        port:
                          number: 80
        """;
    Path added = manifests.resolve("added.yaml");
    Files.writeString(added, extra);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Curl.get(sluice.httpPort(), "added.example.test", "/only-here").status() == 200);

    // a broken file: reported with its path and line, and everything keeps serving as before
    Files.writeString(manifests.resolve("broken.yaml"), "apiVersion: v1\nkind: Service\nmetadata: [oops\n");
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> sluice.log().contains("broken.yaml"));
    assertThat(sluice.log()).containsPattern("broken\\.yaml:\\d+:\\d+");
    assertThat(Curl.get(sluice.httpPort(), "added.example.test", "/only-here").status()).isEqualTo(200);
    assertThat(Curl.get(sluice.httpPort(), "echo.example.test", "/").status()).isEqualTo(200);

    // fixing the folder (removing the broken file and the added route) goes live again
    Files.delete(manifests.resolve("broken.yaml"));
    Files.delete(added);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Curl.get(sluice.httpPort(), "added.example.test", "/only-here").status() == 404);
    assertThat(sluice.process().isAlive()).isTrue();
  }
}
