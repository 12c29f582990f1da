package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publishing snapshots never disturbs traffic; new requests follow the new routes. */
class SnapshotSwapTest {
  static TestBackend blue;
  static TestBackend green;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    blue = TestBackend.start("blue");
    green = TestBackend.start("green");
    proxy = TestProxy.start();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    blue.close();
    green.close();
  }

  private static Snapshot routes(TestBackend forApi) {
    return TestSnapshots.builder()
        .prefix("*", "/api", forApi.endpoint())
        .prefix("*", "/", blue.endpoint())
        .build();
  }

  @Test
  void webSocketAndSlowDownloadSurviveHundredSwapsWhileParallelRequestsAllSucceed()
      throws Exception {
    proxy.publish(routes(blue));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    WebSocketProxyTest.Recorder recorder = new WebSocketProxyTest.Recorder();
    WebSocket ws =
        client
            .newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), recorder)
            .get(5, TimeUnit.SECONDS);
    CompletableFuture<HttpResponse<InputStream>> download =
        client.sendAsync(
            HttpRequest.newBuilder(proxy.uri("/drip?chunks=30&ms=50")).build(),
            HttpResponse.BodyHandlers.ofInputStream());

    List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      proxy.publish(routes(i % 2 == 0 ? green : blue));
      for (int j = 0; j < 3; j++) {
        requests.add(
            client.sendAsync(
                HttpRequest.newBuilder(proxy.uri("/api/echo?i=" + i + "&j=" + j)).build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      if (i % 10 == 0) {
        ws.sendText("swap " + i, true).get(5, TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("swap " + i);
      }
    }
    for (CompletableFuture<HttpResponse<String>> r : requests) {
      HttpResponse<String> response = r.get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
    assertThat(requests).hasSize(300);

    ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("still here");
    String dripped;
    try (InputStream in = download.get(10, TimeUnit.SECONDS).body()) {
      dripped = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
    assertThat(dripped).isEqualTo("tick\n".repeat(30));
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
  }

  @Test
  void afterASwapThatReroutesAPathNewRequestsGoToTheNewBackend() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    proxy.publish(routes(blue));
    HttpResponse<String> before =
        client.send(HttpRequest.newBuilder(proxy.uri("/api/x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(before.body()).contains("\"backend\":\"blue\"");
    proxy.publish(routes(green));
    // same client, same keep-alive connection: the next request still sees the new table
    HttpResponse<String> after =
        client.send(HttpRequest.newBuilder(proxy.uri("/api/x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(after.body()).contains("\"backend\":\"green\"");
  }
}
