package dev.sluice.dataplane.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.testing.PatternStream;
import dev.sluice.testing.Ports;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestSnapshots;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 from clients through {@link Http2Downstream} to HTTP/1.1 backends, over real TLS with
 * ALPN on loopback, with the JDK HttpClient, curl and a frame-level Netty client.
 */
class H2DownstreamTest {
  private static final long BIG = 3L * 1024 * 1024 + 17;

  private static TestBackend a;
  private static TestBackend b;
  private static HopByHopBackend hop;
  private static H2TestServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    a = TestBackend.start("a");
    b = TestBackend.start("b");
    hop = new HopByHopBackend();
    server = new H2TestServer(H2Limits.builder().build());
    server.publish(
        TestSnapshots.builder()
            .prefix("localhost", "/", a.endpoint())
            .prefix("127.0.0.1", "/b", b.endpoint())
            .prefix("127.0.0.1", "/down", new Endpoint("127.0.0.1", 9, 1, false))
            .prefix("127.0.0.1", "/refused", Endpoint.of("127.0.0.1", Ports.refusing()))
            .prefix("127.0.0.1", "/hop", Endpoint.of("127.0.0.1", hop.port()))
            .prefix("a.h2.test", "/", a.endpoint())
            .prefix("b.h2.test", "/", b.endpoint())
            .build());
    client = TrustingClients.http2(server.certificate);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    server.close();
    hop.close();
    a.close();
    b.close();
  }

  private static URI uri(String host, String path) {
    return URI.create("https://" + host + ":" + server.port() + path);
  }

  private static HttpResponse<String> get(String host, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(host, path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void negotiatesH2AndProxiesToHttp11WithForwardedHeaders() throws Exception {
    HttpResponse<String> r = get("localhost", "/echo?x=1");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.body())
        .contains("\"backend\":\"a\"")
        .contains("\"uri\":\"/echo?x=1\"")
        .contains("\"method\":\"GET\"")
        .contains("\"host\":\"localhost:" + server.port() + "\"")
        .contains("\"x-forwarded-proto\":\"https\"")
        .contains("\"x-forwarded-for\":\"127.0.0.1\"")
        // Netty's conversion headers describe our hop only
        .doesNotContain("x-http2");
  }

  @Test
  void routesByAuthorityAndPath() throws Exception {
    assertThat(get("localhost", "/b/x").body()).contains("\"backend\":\"a\"");
    assertThat(get("127.0.0.1", "/b/x").body()).contains("\"backend\":\"b\"");
    HttpResponse<String> none = get("127.0.0.1", "/elsewhere");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).startsWith("404 Not Found");
  }

  @Test
  void errorsAreHttp2ResponsesAndTheConnectionGoesOn() throws Exception {
    int connectionsBefore = server.accepted.get();
    HttpResponse<String> unavailable = get("127.0.0.1", "/down");
    HttpResponse<String> badGateway = get("127.0.0.1", "/refused");
    HttpResponse<String> ok = get("127.0.0.1", "/b");

    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(unavailable.body()).startsWith("503 Service Unavailable");
    assertThat(unavailable.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    assertThat(badGateway.statusCode()).isEqualTo(502);
    assertThat(badGateway.body()).startsWith("502 Bad Gateway");
    assertThat(ok.statusCode()).isEqualTo(200);
    // a stream's error is not the connection's: the client kept using the one it had
    assertThat(server.accepted.get() - connectionsBefore).isLessThanOrEqualTo(1);
  }

  @Test
  void hundredConcurrentStreamsShareOneConnectionAndPooledUpstreams() throws Exception {
    HttpClient fresh = TrustingClients.http2(server.certificate);
    try (fresh) {
      // one request first: the JDK client opens a connection per request until one is up
      assertThat(
              fresh.send(HttpRequest.newBuilder(uri("localhost", "/echo")).build(),
                  HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      int acceptedBefore = server.accepted.get();
      a.resetCounters();
      for (int round = 0; round < 2; round++) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          all.add(
              fresh.sendAsync(
                  HttpRequest.newBuilder(uri("localhost", "/slow?ms=100&i=" + i))
                      .timeout(Duration.ofSeconds(20))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : all) {
          HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
      }
      assertThat(server.accepted.get()).isEqualTo(acceptedBefore);
      assertThat(a.requests()).isEqualTo(200);
      // HTTP/1.1 upstream: one connection per request in flight, kept and reused in round two
      assertThat(a.connections()).isBetween(1, 100);
    }
  }

  @Test
  void largeBodiesStreamBothWays() throws Exception {
    HttpResponse<String> up =
        client.send(
            HttpRequest.newBuilder(uri("localhost", "/upload"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(BIG)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).isEqualTo("bytes=" + BIG + " crc32=" + TestBackend.patternCrc(BIG));

    HttpResponse<InputStream> down =
        client.send(
            HttpRequest.newBuilder(uri("localhost", "/bytes?n=" + BIG))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.version()).isEqualTo(HttpClient.Version.HTTP_2);
    CRC32 crc = new CRC32();
    long n = 0;
    try (InputStream in = down.body()) {
      byte[] buf = new byte[64 * 1024];
      int r;
      while ((r = in.read(buf)) >= 0) {
        crc.update(buf, 0, r);
        n += r;
      }
    }
    assertThat(n).isEqualTo(BIG);
    assertThat(crc.getValue()).isEqualTo(TestBackend.patternCrc(BIG));
  }

  /**
   * A stream whose upstream stops reading holds back only its own flow-control credit: another
   * upload on the same connection goes through meanwhile.
   */
  @Test
  void aStalledUploadDoesNotStallTheOtherStreams() throws Exception {
    HttpClient one = TrustingClients.http2(server.certificate);
    try (one) {
      long stalledSize = 24L * 1024 * 1024;
      CompletableFuture<HttpResponse<String>> stalled =
          one.sendAsync(
              HttpRequest.newBuilder(uri("localhost", "/upload?pauseMs=4000"))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(stalledSize)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Thread.sleep(300); // the first upload is under way and its upstream has stopped reading
      long n = 512 * 1024;
      HttpResponse<String> other =
          one.send(
              HttpRequest.newBuilder(uri("localhost", "/upload"))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(n)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(other.body()).isEqualTo("bytes=" + n + " crc32=" + TestBackend.patternCrc(n));
      assertThat(stalled).isNotDone();
      assertThat(stalled.get(30, TimeUnit.SECONDS).body())
          .isEqualTo("bytes=" + stalledSize + " crc32=" + TestBackend.patternCrc(stalledSize));
    }
  }

  @Test
  void responseHopByHopHeadersNeverReachTheWire() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      Http2Headers request = H2FrameClient.get(server.port(), "/hop").authority("127.0.0.1");
      H2FrameClient.Answer answer = raw.send(request);

      Http2Headers headers = answer.headers.get(10, TimeUnit.SECONDS);
      assertThat(answer.end.get(10, TimeUnit.SECONDS)).isEqualTo("hello");
      assertThat(headers.status().toString()).isEqualTo("200");
      assertThat(headers.get("x-end-to-end").toString()).isEqualTo("kept");
      for (String name :
          List.of("connection", "keep-alive", "x-hop", "proxy-connection", "upgrade", "transfer-encoding")) {
        assertThat(headers.contains(name)).as(name).isFalse();
      }
    }
  }

  @Test
  void conflictingHostAndAuthorityIsRejected() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      double before = server.errors("bad_request");
      a.resetCounters();
      Http2Headers request = H2FrameClient.get(server.port(), "/echo");
      request.add("host", "127.0.0.1");
      H2FrameClient.Answer answer = raw.send(request);

      assertThat(answer.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("400");
      assertThat(answer.end.get(10, TimeUnit.SECONDS).toString()).startsWith("400 Bad Request");
      assertThat(a.requests()).isZero();
      assertThat(server.errors("bad_request")).isEqualTo(before + 1);

      // the same name twice is one Host
      Http2Headers same = H2FrameClient.get(server.port(), "/echo");
      same.add("host", "LOCALHOST:" + server.port());
      H2FrameClient.Answer ok = raw.send(same);
      assertThat(ok.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
      assertThat(ok.end.get(10, TimeUnit.SECONDS).toString())
          .contains("\"host\":\"localhost:" + server.port() + "\"");
    }
  }

  @Test
  void rapidResetIsAnsweredWithGoAwayAndClose() throws Exception {
    double before = server.goAwaysSent("enhance_your_calm");
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      raw.rapidReset(H2FrameClient.get(server.port(), "/echo"), 400);

      H2FrameClient.GoAway goAway = raw.goAway.get(10, TimeUnit.SECONDS);
      assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
      await().atMost(Duration.ofSeconds(10)).until(() -> !raw.channel.isActive());
    }
    // counted: sluice_h2_goaway_sent_total{code="enhance_your_calm"}
    assertThat(server.goAwaysSent("enhance_your_calm")).isEqualTo(before + 1);
  }

  @Test
  void curlSpeaksHttp2AndRoutesByAuthority(@TempDir Path dir) throws Exception {
    Path ca = dir.resolve("ca.pem");
    Files.writeString(ca, server.certificate.certificateChainPem());
    for (String host : List.of("a.h2.test", "b.h2.test")) {
      Process p =
          new ProcessBuilder(
                  "curl", "-sS", "--http2", "--max-time", "10", "--cacert", ca.toString(),
                  "--resolve", host + ":" + server.port() + ":127.0.0.1",
                  "-w", "\\n%{http_version} %{http_code}",
                  "https://" + host + ":" + server.port() + "/echo")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(out).endsWith("\n2 200");
      assertThat(out).contains("\"backend\":\"" + host.charAt(0) + "\"");
    }
  }
}
