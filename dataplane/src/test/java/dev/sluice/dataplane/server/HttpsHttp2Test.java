package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.Commands;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on the real HTTPS port: ALPN offers {@code h2, http/1.1}, clients that choose h2 get the
 * HTTP/2 downstream (routed, forwarded headers and HSTS as on HTTP/1.1), the others HTTP/1.1; and
 * shutdown drains h2 connections (GOAWAY, streams in flight finish).
 */
class HttpsHttp2Test {
  private static final String HOST = "app.example.test";

  @TempDir static Path dir;
  static TestCa ca;
  static String caPem;
  static Certificate appCert;
  static TestBackend app;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("h2 Test CA");
    caPem = ca.writePem(dir.resolve("ca.pem")).toString();
    appCert = ca.issueCertificate("default/app-tls", HOST);
    app = TestBackend.start("app");
    proxy = TestProxy.start().publish(snapshot());
  }

  static Snapshot snapshot() {
    return TestSnapshots.builder()
        .prefix(HOST, "/", RoutePolicy.DEFAULT.withSslRedirect(true), app.endpoint())
        .certificate(appCert)
        .build();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
  }

  private static URI uri(TestProxy p, String path) {
    return URI.create("https://" + HOST + ":" + p.httpsPort() + path);
  }

  private static HttpClient client(HttpClient.Version version) {
    return HttpClient.newBuilder().version(version).sslContext(ca.clientContext()).build();
  }

  private static double httpsConnectionsAccepted() {
    return proxy.metrics().get(DownstreamTraffic.ACCEPTED).tag("listener", "https").counter().count();
  }

  @Test
  void jdkHttpClientNegotiatesH2AndMultiplexesRoutedRequestsOnOneConnection() throws Exception {
    try (HttpClient client = client(HttpClient.Version.HTTP_2)) {
      double before = httpsConnectionsAccepted();
      // one request first, so the concurrent ones below find the connection established
      HttpResponse<String> first =
          client.send(HttpRequest.newBuilder(uri(proxy, "/echo?n=0")).build(), ofString());
      assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("strict-transport-security"))
          .hasValue("max-age=31536000; includeSubDomains");
      assertThat(first.body())
          .contains("\"x-forwarded-proto\":\"https\"")
          .contains("\"x-forwarded-port\":\"" + proxy.httpsPort() + "\"")
          .contains("\"x-forwarded-for\":\"127.0.0.1\"");

      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 1; i <= 20; i++) {
        all.add(client.sendAsync(HttpRequest.newBuilder(uri(proxy, "/echo?n=" + i)).build(), ofString()));
      }
      for (int i = 1; i <= 20; i++) {
        HttpResponse<String> r = all.get(i - 1).get(10, TimeUnit.SECONDS);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"uri\":\"/echo?n=" + i + "\"");
      }
      // 21 requests, one TLS connection, counted by the HTTPS listener's traffic meters
      assertThat(httpsConnectionsAccepted() - before).isEqualTo(1.0);
    }
  }

  @Test
  void curlHttp2NegotiatesH2AndIsRouted() throws Exception {
    Commands.Result r =
        Commands.curlHttps(HOST, proxy.httpsPort(), "/echo?x=1", caPem,
            "--http2", "-w", "\\n%{http_version}");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("HTTP/2 200")
        .containsIgnoringCase("strict-transport-security: max-age=31536000; includeSubDomains")
        .contains("\"x-forwarded-proto\":\"https\"")
        .endsWith("\n2");
  }

  @Test
  void http11ClientsStillGetHttp11() throws Exception {
    Commands.Result curl =
        Commands.curlHttps(HOST, proxy.httpsPort(), "/echo", caPem,
            "--http1.1", "-w", "\\n%{http_version}");
    assertThat(curl.exit()).as(curl.err()).isZero();
    assertThat(curl.out()).startsWith("HTTP/1.1 200").endsWith("\n1.1");

    try (HttpClient client = client(HttpClient.Version.HTTP_1_1)) {
      HttpResponse<String> r =
          client.send(HttpRequest.newBuilder(uri(proxy, "/echo")).build(), ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.statusCode()).isEqualTo(200);
    }

    for (String offer : List.of("http/1.1", "h2,http/1.1")) {
      Commands.Result s =
          Commands.run(
              List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                  "-servername", HOST, "-alpn", offer, "-CAfile", caPem),
              "");
      assertThat(s.out())
          .as(offer)
          .contains("ALPN protocol: " + (offer.startsWith("h2") ? "h2" : "http/1.1"));
    }
  }

  @Test
  void closeDrainsH2ConnectionsAndLetsTheStreamInFlightFinish() throws Exception {
    TestProxy own = TestProxy.start().publish(snapshot());
    try (TestBackend slow = TestBackend.start("slow");
        HttpClient client = client(HttpClient.Version.HTTP_2)) {
      own.publish(
          TestSnapshots.builder()
              .prefix(HOST, "/", slow.endpoint())
              .certificate(appCert)
              .build());
      CompletableFuture<HttpResponse<String>> inFlight =
          client.sendAsync(HttpRequest.newBuilder(uri(own, "/slow?ms=500")).build(), ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests() == 1);
      // close() sends the drain event to every connection in the server's group; the h2 handlers
      // answer it with GOAWAY and keep the stream open until its response is written
      own.close();
      HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("slow 500");
    } finally {
      own.close();
    }
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }
}
