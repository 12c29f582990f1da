package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.testing.H2cBackend;
import dev.sluice.testing.PatternStream;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests from HTTP/1.1 clients proxied to an H2 (HTTP/2 over TLS) backend: streams multiplexed
 * over one TLS connection per proxy event loop (the proxy runs two), the certificate verified as
 * for HTTPS upstreams, and a server that does not select h2 in ALPN refused with a 502.
 */
class H2TlsUpstreamTest {
  static final int LOOPS = 2;
  static final String NAME = "grpc.backend.test";
  static TestCa ca;
  static TestCa otherCa;

  H2cBackend backend;
  TestBackend http11Backend;
  TestProxy proxy;
  HttpClient client;

  @BeforeAll
  static void cas() {
    ca = TestCa.create("h2 upstream CA");
    otherCa = TestCa.create("another CA");
  }

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
    if (http11Backend != null) {
      http11Backend.close();
    }
  }

  private void route(UpstreamTls tls, Endpoint endpoint) {
    proxy.publish(TestSnapshots.builder().prefixH2(VirtualHost.CATCH_ALL, "/", tls, endpoint).build());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(proxy.uri(path)).header("x-echo", "echo " + path).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sequentialRequestsAreStreamsOnOneVerifiedTlsConnection() throws Exception {
    backend = H2cBackend.startTls(ca.issue(NAME));
    route(new UpstreamTls(true, ca.pem(), NAME), backend.endpoint());
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/seq/" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("path=/seq/" + i + " bytes=0 crc32=0");
      assertThat(r.headers().firstValue("x-echo")).hasValue("echo /seq/" + i);
      assertThat(r.headers().firstValue("x-conn")).hasValue("1");
    }
    assertThat(backend.connections()).isEqualTo(1);
    assertThat(backend.streams()).isEqualTo(20);
  }

  @Test
  void concurrentRequestsAndBodiesShareOneTlsConnectionPerLoop() throws Exception {
    backend = H2cBackend.startTls(ca.issue(NAME));
    route(new UpstreamTls(true, ca.pem(), NAME), backend.endpoint());
    long size = 256 * 1024;
    long crc = TestBackend.patternCrc(size);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri("/c/" + i + "?delayMs=50"));
      if (i % 3 == 0) {
        b.POST(
            HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(size)), size));
      }
      all.add(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < all.size(); i++) {
      HttpResponse<String> r = all.get(i).get();
      assertThat(r.statusCode()).isEqualTo(200);
      String sent = i % 3 == 0 ? " bytes=" + size + " crc32=" + crc : " bytes=0 crc32=0";
      assertThat(r.body()).isEqualTo("path=/c/" + i + "?delayMs=50" + sent);
    }
    assertThat(backend.connections()).isBetween(1, LOOPS);
    assertThat(backend.streams()).isEqualTo(30);
  }

  @Test
  void certificateFromAnotherCaIs502UpstreamTls() throws Exception {
    backend = H2cBackend.startTls(otherCa.issue(NAME));
    route(new UpstreamTls(true, ca.pem(), NAME), backend.endpoint());
    double before = proxy.errors("upstream_tls");
    assertThat(get("/wrong-ca").statusCode()).isEqualTo(502);
    assertThat(proxy.errors("upstream_tls") - before).isEqualTo(1);
    assertThat(backend.streams()).isZero();
  }

  @Test
  void wrongServerNameIs502UpstreamTls() throws Exception {
    backend = H2cBackend.startTls(ca.issue(NAME));
    route(new UpstreamTls(true, ca.pem(), "other.backend.test"), backend.endpoint());
    assertThat(get("/wrong-name").statusCode()).isEqualTo(502);
    assertThat(backend.streams()).isZero();
  }

  @Test
  void backendThatDoesNotSelectH2InAlpnIs502AndHearsNoHttp2() throws Exception {
    http11Backend = TestBackend.startTls("http11-only", ca.issue(NAME));
    route(new UpstreamTls(true, ca.pem(), NAME), http11Backend.endpoint());
    double before = proxy.errors("upstream_tls");
    assertThat(get("/no-alpn").statusCode()).isEqualTo(502);
    assertThat(get("/no-alpn-again").statusCode()).isEqualTo(502);
    assertThat(proxy.errors("upstream_tls") - before).isEqualTo(2);
    assertThat(http11Backend.requests()).isZero();
  }

  @Test
  void sameTlsSettingsOverHttps11AndH2KeepTheirConnectionsApart() throws Exception {
    backend = H2cBackend.startTls(ca.issue(NAME));
    http11Backend = TestBackend.startTls("http11", ca.issue(NAME));
    UpstreamTls tls = new UpstreamTls(true, ca.pem(), NAME);
    proxy.publish(
        TestSnapshots.builder()
            .prefixH2(VirtualHost.CATCH_ALL, "/h2", tls, backend.endpoint())
            .prefixTls(VirtualHost.CATCH_ALL, "/", tls, http11Backend.endpoint())
            .build());
    for (int i = 0; i < 5; i++) {
      assertThat(get("/h2/" + i).body()).isEqualTo("path=/h2/" + i + " bytes=0 crc32=0");
      HttpResponse<String> r = get("/echo?i=" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"backend\":\"http11\"");
    }
    assertThat(backend.connections()).isEqualTo(1);
    assertThat(http11Backend.requests()).isEqualTo(5);
  }
}
