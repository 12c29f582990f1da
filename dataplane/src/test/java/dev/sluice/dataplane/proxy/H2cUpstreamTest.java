package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.testing.H2cBackend;
import dev.sluice.testing.PatternStream;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests from HTTP/1.1 clients proxied to an h2c backend: they become streams on one shared
 * HTTP/2 connection per proxy event loop (the proxy runs two), bodies stream both ways, the
 * server's stream limit and GOAWAY are honoured, and an unreachable backend is a 502.
 */
class H2cUpstreamTest {
  static final int LOOPS = 2;

  H2cBackend backend;
  TestProxy proxy;
  HttpClient client;

  @BeforeEach
  void start() {
    proxy = TestProxy.start(b -> b.ioThreads(LOOPS));
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    proxy.close();
    if (backend != null) {
      backend.close();
    }
  }

  private void route(Endpoint endpoint) {
    proxy.publish(TestSnapshots.builder().prefixH2c(VirtualHost.CATCH_ALL, "/", endpoint).build());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(proxy.uri(path)).header("x-echo", "echo " + path).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertAnswered(HttpResponse<String> r, String path) {
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("path=" + path + " bytes=0 crc32=0");
    assertThat(r.headers().firstValue("x-echo")).hasValue("echo " + path);
    // the converter's bookkeeping headers never reach a client
    assertThat(r.headers().map().keySet()).noneMatch(h -> h.startsWith("x-http2"));
  }

  @Test
  void sequentialRequestsAreStreamsOnOneConnection() throws Exception {
    backend = H2cBackend.start();
    route(backend.endpoint());
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r = get("/seq/" + i + "?q=" + i);
      assertAnswered(r, "/seq/" + i + "?q=" + i);
      assertThat(r.headers().firstValue("x-conn")).hasValue("1");
    }
    assertThat(backend.connections()).isEqualTo(1);
    assertThat(backend.streams()).isEqualTo(50);
  }

  @Test
  void concurrentRequestsShareOneConnectionPerLoop() throws Exception {
    backend = H2cBackend.start();
    route(backend.endpoint());
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(proxy.uri("/c/" + i + "?delayMs=50"))
                  .header("x-echo", "echo /c/" + i + "?delayMs=50")
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 50; i++) {
      assertAnswered(all.get(i).get(), "/c/" + i + "?delayMs=50");
    }
    assertThat(backend.connections()).isBetween(1, LOOPS);
    assertThat(backend.streams()).isEqualTo(50);
  }

  @Test
  void requestBodiesStreamIntact() throws Exception {
    backend = H2cBackend.start();
    route(backend.endpoint());
    long size = 1 << 20;
    long crc = TestBackend.patternCrc(size);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      HttpRequest.BodyPublisher body =
          HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(size));
      if (i % 2 == 0) {
        body = HttpRequest.BodyPublishers.fromPublisher(body, size); // content-length, else chunked
      }
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(proxy.uri("/upload/" + i)).POST(body).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < all.size(); i++) {
      HttpResponse<String> r = all.get(i).get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("path=/upload/" + i + " bytes=" + size + " crc32=" + crc);
      assertThat(r.headers().firstValue("x-saw-transfer-encoding")).isEmpty();
    }
    assertThat(backend.connections()).isBetween(1, LOOPS);
  }

  @Test
  void serverStreamLimitOpensMoreConnections() throws Exception {
    backend = H2cBackend.start(5L);
    route(backend.endpoint());
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(proxy.uri("/slow/" + i + "?delayMs=300")).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
    // no connection carried more than 5 streams at once: 20 in flight need at least 4
    assertThat(backend.connections()).isGreaterThanOrEqualTo(4);
    assertThat(backend.streams()).isEqualTo(20);
  }

  @Test
  void goAwayMovesLaterRequestsToANewConnection() throws Exception {
    backend = H2cBackend.start();
    route(backend.endpoint());
    for (int i = 0; i < 10; i++) {
      assertAnswered(get("/before/" + i), "/before/" + i);
    }
    assertThat(backend.connections()).isEqualTo(1);
    // requests in flight while the GOAWAY arrives still finish (the server processes them)
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      inFlight.add(
          client.sendAsync(
              HttpRequest.newBuilder(proxy.uri("/during/" + i + "?delayMs=200")).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    // a stream the proxy opens after the GOAWAY left the server is refused (its id is past the
    // GOAWAY's last stream id); "in flight" means the server has them, so wait for that
    await().atMost(Duration.ofSeconds(5)).until(() -> backend.streams() == 20);
    backend.goAway();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/after/" + i);
      assertAnswered(r, "/after/" + i);
    }
    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
    assertThat(backend.connections()).isGreaterThanOrEqualTo(2);
    // the connection that went away is closed by the proxy once its streams are done
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(backend.openConnections()).isBetween(1, LOOPS));
  }

  @Test
  void unreachableBackendIs502() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    route(Endpoint.of("127.0.0.1", port));
    HttpResponse<String> r = get("/down");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(get("/down").statusCode()).isEqualTo(502);
  }

  @Test
  void backendLostMidRequestIs502AndTheNextRequestReconnects() throws Exception {
    backend = H2cBackend.start();
    route(backend.endpoint());
    assertAnswered(get("/first"), "/first");
    CompletableFuture<HttpResponse<String>> slow =
        client.sendAsync(
            HttpRequest.newBuilder(proxy.uri("/slow?delayMs=5000"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> backend.streams() == 2);
    backend.dropConnections();
    assertThat(slow.get().statusCode()).isEqualTo(502);
    assertAnswered(get("/again"), "/again");
    assertThat(backend.connections()).isEqualTo(2);
  }
}
