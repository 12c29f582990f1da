package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.PrometheusText;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardening: the packaged jar run out of file descriptors ({@code prlimit --nofile=256:256}, the
 * way a too-low {@code ulimit -n} in a container does it) by idle client connections on its HTTP
 * port. Accept then fails with EMFILE; Sluice must stay up, say so in its log (rate-limited, not
 * once per failed accept), count it, not spin, and serve new requests by itself once the clients
 * have gone: Netty pauses accepting for 1 s after a failure, and the connections waiting meanwhile
 * stay in the kernel's backlog.
 */
class FileDescriptorExhaustionTest {
  static final int FD_LIMIT = 256;
  /** More than the limit: enough to exhaust it whatever the JVM itself holds open. */
  static final int MAX_CLIENTS = FD_LIMIT + 64;
  static final Pattern ACCEPT_FAILED = Pattern.compile("accept on .* failed.*Too many open files");

  @TempDir Path work;
  final List<Socket> clients = new ArrayList<>();
  EchoProcess echo;
  SluiceProcess sluice;

  @AfterEach
  void stop() throws Exception {
    closeClients();
    if (sluice != null) sluice.close();
    if (echo != null) echo.close();
  }

  @Test
  void outOfFileDescriptorsIsLoggedOnceAndServingResumesWhenClientsLeave() throws Exception {
    echo = EchoProcess.start("echo-fd");
    Path manifests = Files.createDirectories(work.resolve("manifests"));
    Files.writeString(manifests.resolve("echo.yaml"),
        Files.readString(SluiceProcess.repo().resolve("examples/quickstart/manifests/echo.yaml"))
            .replace("port: 9001", "port: " + echo.port())
            .replace("port: 9002", "port: " + echo.port()));
    sluice = SluiceProcess.start(work, List.of("prlimit", "--nofile=" + FD_LIMIT + ":" + FD_LIMIT),
        Map.of(), "--manifests", manifests.toString(), "--bind", "127.0.0.1", "--http-port", "0",
        "--https-port", "0", "--admin-port", "0");
    // warm up: the proxy path's classes are loaded and an upstream connection is pooled
    for (int i = 0; i < 3; i++) {
      assertThat(Curl.get(sluice.httpPort(), "echo.example.test", "/warm").status()).isEqualTo(200);
    }
    assertThat(sluice.log()).doesNotContainPattern(ACCEPT_FAILED);

    // Idle connections until Sluice cannot accept any more. They connect regardless (the kernel
    // completes the handshake into the backlog); Sluice's log says when accept() failed.
    InetSocketAddress http = new InetSocketAddress("127.0.0.1", sluice.httpPort());
    while (clients.size() < MAX_CLIENTS && !ACCEPT_FAILED.matcher(sluice.log()).find()) {
      for (int i = 0; i < 16 && clients.size() < MAX_CLIENTS; i++) {
        Socket s = new Socket();
        s.connect(http, 2000);
        clients.add(s);
      }
      Thread.sleep(50);
    }
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> ACCEPT_FAILED.matcher(sluice.log()).find());
    assertThat(clients.size()).isLessThanOrEqualTo(MAX_CLIENTS);

    // exhausted for a while: the paused listener retries each second and fails again, still alive
    Thread.sleep(2500);
    assertThat(sluice.process().isAlive()).isTrue();

    closeClients();
    // new requests are served again without any help: through the backlog and the 1 s pause
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> Curl.get(sluice.httpPort(), "echo.example.test", "/after").status() == 200);
    assertThat(Curl.get(sluice.httpPort(), "echo.example.test", "/again").body())
        .contains("request: GET /again");

    Curl.Result metrics = Curl.get(sluice.adminPort(), "localhost", "/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    double failedAccepts = PrometheusText.parse(metrics.body())
        .sum("sluice_proxy_errors_total", Map.of("kind", "accept_error"));
    long logLines = sluice.log().lines().filter(l -> ACCEPT_FAILED.matcher(l).find()).count();
    // every failed accept counted, but logged at most once per 10 s
    assertThat(failedAccepts).isGreaterThanOrEqualTo(2);
    assertThat(logLines).isBetween(1L, 2L).isLessThan((long) failedAccepts);
    assertThat(sluice.process().isAlive()).isTrue();
  }

  private void closeClients() {
    for (Socket s : clients) {
      try {
        s.close();
      } catch (IOException e) {
        // closing a test client: nothing to do
      }
    }
    clients.clear();
  }
}
