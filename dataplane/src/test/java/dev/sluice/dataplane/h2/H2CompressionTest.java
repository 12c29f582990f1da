package dev.sluice.dataplane.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.policy.compress.ContentServer;
import dev.sluice.dataplane.snapshot.CompressionPolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.TestSnapshots;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Response compression on HTTP/2 downstream streams (the compressor sits in each stream's pipeline). */
class H2CompressionTest {
  static ContentServer upstream;
  static H2TestServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream = new ContentServer();
    server = new H2TestServer(H2Limits.builder().build());
    server.publish(
        TestSnapshots.builder()
            .prefix("localhost", "/", RoutePolicy.builder()
                .compression(new CompressionPolicy(CompressionPolicy.ENCODINGS,
                    CompressionPolicy.DEFAULT_TYPES, CompressionPolicy.DEFAULT_MIN_LENGTH))
                .build(), upstream.endpoint())
            .build());
    client = TrustingClients.http2(server.certificate);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    server.close();
    upstream.close();
  }

  @Test
  void concurrentStreamsOnOneConnectionAreEachCompressed() throws Exception {
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>>();
    for (int i = 0; i < 6; i++) {
      futures.add(
          client.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("https://localhost:" + server.port() + "/json?n=" + (40000 + i)
                          + (i % 2 == 0 ? "&chunked=1" : "")))
                  .header("Accept-Encoding", i == 5 ? "identity" : "gzip")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (int i = 0; i < 6; i++) {
      HttpResponse<byte[]> r = futures.get(i).get();
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      byte[] body = r.body();
      if (i == 5) {
        assertThat(r.headers().firstValue("content-encoding")).isEmpty();
      } else {
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
      }
      assertThat(body).isEqualTo(ContentServer.json(40000 + i));
    }
  }
}
