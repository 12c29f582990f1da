package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.H2cBackend;
import dev.sluice.testing.PatternStream;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 all the way: a JDK client negotiates h2 on the HTTPS port and its streams go on as
 * streams of the proxy's h2c connections to the backend (one per proxy event loop at most).
 */
class H2EndToEndTest {
  private static final String HOST = "h2.example.test";

  static TestCa ca;
  static H2cBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("h2 end-to-end CA");
    backend = H2cBackend.start();
    proxy =
        TestProxy.start()
            .publish(
                TestSnapshots.builder()
                    .prefixH2c(HOST, "/", backend.endpoint())
                    .certificate(ca.issueCertificate("default/h2-tls", HOST))
                    .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  private static URI uri(String path) {
    return URI.create("https://" + HOST + ":" + proxy.httpsPort() + path);
  }

  @Test
  void http2ClientToH2cBackend() throws Exception {
    long size = 256 * 1024;
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(ca.clientContext())
            .build()) {
      HttpResponse<String> first =
          client.send(
              HttpRequest.newBuilder(uri("/first")).header("x-echo", "hello").build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("path=/first bytes=0 crc32=0");
      assertThat(first.headers().firstValue("x-echo")).hasValue("hello");

      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/s/" + i + "?delayMs=20"));
        if (i % 4 == 0) {
          b.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(size)));
        }
        all.add(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = all.get(i).get(10, TimeUnit.SECONDS);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        String body =
            i % 4 == 0
                ? "bytes=" + size + " crc32=" + TestBackend.patternCrc(size)
                : "bytes=0 crc32=0";
        assertThat(r.body()).isEqualTo("path=/s/" + i + "?delayMs=20 " + body);
      }
    }
    // one downstream connection lives on one loop: its 21 streams share one upstream connection
    assertThat(backend.connections()).isEqualTo(1);
    assertThat(backend.streams()).isEqualTo(21);
  }
}
