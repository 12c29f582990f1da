package dev.sluice.dataplane.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestSnapshots;
import io.netty.handler.codec.http2.Http2Error;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-stream limits of HTTP/2 connections from clients, over real TLS sockets: the concurrent
 * stream cap (REFUSED_STREAM, counted in {@link H2Metrics}), and the HTTP/1.1 request guards on
 * streams (too many headers 431, body over the cap 413), which never reach the backend.
 */
class H2StreamLimitsTest {
  static final int MAX_HEADERS = 20;
  static final int MAX_BODY = 1024;

  static TestBackend backend;
  static H2TestServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    backend = TestBackend.start("a");
    server =
        new H2TestServer(
            H2Limits.builder()
                .maxConcurrentStreams(1)
                .requestLimits(
                    Limits.builder().maxHeaderCount(MAX_HEADERS).maxBodySize(MAX_BODY).build())
                .build());
    server.publish(TestSnapshots.catchAll(backend.endpoint()));
    client = TrustingClients.http2(server.certificate);
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
    backend.close();
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
        .timeout(Duration.ofSeconds(10));
  }

  @Test
  void aStreamOverTheConcurrencyLimitIsRefusedAndCounted() throws Exception {
    backend.resetCounters();
    double before = server.resetsSent("refused_stream");
    try (RawH2Socket raw = new RawH2Socket(server.port(), server.certificate).start()) {
      // stream 1 stays open (its body never comes); stream 3 is one too many
      raw.headers(1, H2FrameClient.get(server.port(), "/echo").method("POST"), false);
      raw.headers(3, H2FrameClient.get(server.port(), "/echo"), true);

      RawH2Socket.Frame reset = raw.next(RawH2Socket.RST_STREAM);
      assertThat(reset.streamId()).isEqualTo(3);
      assertThat(reset.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
      // stream 1's head reaches the backend (its body never does): wait for it here, or it may
      // arrive during the next test and be counted there
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> backend.requests() == 1);
    }
    assertThat(server.resetsSent("refused_stream")).isEqualTo(before + 1);
  }

  @Test
  void tooManyHeadersOnAStreamGet431() throws Exception {
    backend.resetCounters();
    double before = server.errors("too_many_headers");
    HttpRequest.Builder b = request("/echo");
    for (int i = 0; i < MAX_HEADERS + 5; i++) {
      b.header("x-h-" + i, "v");
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(431);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(server.errors("too_many_headers")).isEqualTo(before + 1);
    assertThat(backend.requests()).isZero();

    // the connection goes on: a normal request on the next stream
    HttpResponse<String> ok = client.send(request("/echo").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
  }

  @Test
  void aDeclaredBodyOverTheCapGets413BeforeAnythingGoesUpstream() throws Exception {
    backend.resetCounters();
    double before = server.errors("body_too_large");
    HttpResponse<String> r =
        client.send(
            request("/echo").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY + 1])).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(server.errors("body_too_large")).isEqualTo(before + 1);
    assertThat(backend.requests()).isZero();
  }

  @Test
  void aStreamedBodyOverTheCapGets413() throws Exception {
    double before = server.errors("body_too_large");
    // no content-length: the body guard counts DATA as it arrives
    HttpResponse<String> r =
        client.send(
            request("/echo")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(new byte[4 * MAX_BODY])))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(server.errors("body_too_large")).isEqualTo(before + 1);

    HttpResponse<String> small =
        client.send(
            request("/echo").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY])).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(small.statusCode()).isEqualTo(200);
  }
}
