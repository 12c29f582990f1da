package dev.sluice.dataplane.policy;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.BasicAuth;
import dev.sluice.dataplane.snapshot.AccessPolicy.RateLimits;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The access filters on HTTP/2 streams (JDK HttpClient over TLS with ALPN h2): bcrypt checks that
 * finish off the event loop come back to the right stream, and in-flight slots are given back when
 * each stream ends.
 */
class AccessOverHttp2Test {
  static final String HOST = "guarded.example.test";

  @Test
  void concurrentStreamsAreAuthenticatedAndCountedPerClient() throws Exception {
    TestCa ca = TestCa.create("access h2 CA");
    try (TestBackend app = TestBackend.start("h2app");
        TestProxy proxy = TestProxy.start()) {
      RoutePolicy p =
          RoutePolicy.builder()
              .access(
                  AccessPolicy.NONE
                      .withBasicAuth(
                          new BasicAuth("h2", Map.of("alice", BasicAuthProxyTest.BCRYPT_ABC)))
                      .withRateLimits(new RateLimits(0, 0, 5, 100)))
              .build();
      proxy.publish(
          TestSnapshots.builder()
              .prefix(HOST, "/", p, app.endpoint())
              .certificate(ca.issueCertificate("default/guarded", HOST))
              .build());
      String good =
          "Basic " + Base64.getEncoder().encodeToString("alice:abc".getBytes(StandardCharsets.UTF_8));
      String bad =
          "Basic " + Base64.getEncoder().encodeToString("alice:abd".getBytes(StandardCharsets.UTF_8));
      try (HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(ca.clientContext())
              .build()) {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          URI uri = URI.create("https://" + HOST + ":" + proxy.httpsPort() + "/echo?n=" + i);
          all.add(
              client.sendAsync(
                  HttpRequest.newBuilder(uri).header("Authorization", i % 3 == 0 ? bad : good).build(),
                  ofString()));
        }
        for (int i = 0; i < all.size(); i++) {
          HttpResponse<String> r = all.get(i).get(20, TimeUnit.SECONDS);
          assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
          if (i % 3 == 0) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"h2\"");
          } else {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"uri\":\"/echo?n=" + i + "\"");
          }
        }
      }
      // every stream gave its in-flight slot back
      PolicyRuntime runtime = BasicAuthProxyTest.runtimeOf(proxy.snapshots());
      String route = HOST + "#prefix:/";
      int entries = runtime.clients().size();
      ClientTable.Client client =
          runtime.clients().get(route, InetAddress.getLoopbackAddress(), System.nanoTime());
      assertThat(runtime.clients().size()).as("the stream's entry existed").isEqualTo(entries);
      // given back on the server's event loop just after each stream's last frame was flushed
      await().atMost(Duration.ofSeconds(2)).until(() -> client.inFlight() == 0);
    }
  }
}
