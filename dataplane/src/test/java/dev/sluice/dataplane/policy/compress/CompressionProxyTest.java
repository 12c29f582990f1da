package dev.sluice.dataplane.policy.compress;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.github.luben.zstd.ZstdInputStream;
import dev.sluice.dataplane.snapshot.CompressionPolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Response compression through real requests: a real upstream, the proxy, the JDK HTTP client and
 * curl decoding what they get. Only the route {@code zip.test} compresses.
 */
class CompressionProxyTest {
  static ContentServer upstream;
  static dev.sluice.testing.TestBackend wsBackend;
  static TestProxy proxy;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = new ContentServer();
    wsBackend = dev.sluice.testing.TestBackend.start("ws");
    CompressionPolicy p =
        new CompressionPolicy(CompressionPolicy.ENCODINGS, CompressionPolicy.DEFAULT_TYPES, 1024);
    CompressionPolicy gzipOnly = new CompressionPolicy(List.of("gzip"), Set.of("application/*"), 0);
    proxy = TestProxy.start();
    proxy.publish(
        TestSnapshots.builder()
            .prefix("zip.test", "/", RoutePolicy.builder().compression(p).build(), upstream.endpoint())
            .prefix("gz.test", "/", RoutePolicy.builder().compression(gzipOnly).build(), upstream.endpoint())
            .prefix("plain.test", "/", upstream.endpoint())
            .prefix("ws.test", "/", RoutePolicy.builder().compression(p).build(), wsBackend.endpoint())
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    upstream.close();
    wsBackend.close();
  }

  static HttpResponse<byte[]> get(String host, String path, String acceptEncoding) throws Exception {
    return send(host, path, acceptEncoding, "GET");
  }

  static HttpResponse<byte[]> send(String host, String path, String acceptEncoding, String method)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + proxy.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10));
    if (acceptEncoding != null) {
      b.header("Accept-Encoding", acceptEncoding);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static byte[] gunzip(byte[] b) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
      return in.readAllBytes();
    }
  }

  static String encoding(HttpResponse<?> r) {
    return r.headers().firstValue("content-encoding").orElse(null);
  }

  @Test
  void gzipWithContentLengthBecomesChunkedAndDecodesToTheOriginal() throws Exception {
    for (int i = 0; i < 3; i++) { // keep-alive: several responses on one connection
      HttpResponse<byte[]> r = get("zip.test", "/json?n=100000&etag=1", "gzip");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(encoding(r)).isEqualTo("gzip");
      assertThat(r.headers().firstValue("vary")).hasValue("accept-encoding");
      assertThat(r.headers().firstValue("content-length")).isEmpty();
      assertThat(r.headers().firstValue("etag")).hasValue("W/\"v1\"");
      assertThat(r.body().length).isLessThan(100000 / 4);
      assertThat(gunzip(r.body())).isEqualTo(ContentServer.json(100000));
    }
  }

  @Test
  void streamedResponseIsCompressedAsItArrives() throws Exception {
    HttpResponse<byte[]> r = get("zip.test", "/json?n=300000&chunked=1", "gzip;q=1, br;q=0");
    assertThat(encoding(r)).isEqualTo("gzip");
    assertThat(gunzip(r.body())).isEqualTo(ContentServer.json(300000));
  }

  @Test
  void brotliAndZstdWhenPreferred() throws Exception {
    HttpResponse<byte[]> br = get("zip.test", "/json?n=50000", "gzip;q=0.5, br");
    assertThat(encoding(br)).isEqualTo("br");
    Brotli4jLoader.ensureAvailability();
    assertThat(Decoder.decompress(br.body()).getDecompressedData()).isEqualTo(ContentServer.json(50000));

    HttpResponse<byte[]> zstd = get("zip.test", "/json?n=50000&chunked=1", "zstd, gzip;q=0.9");
    assertThat(encoding(zstd)).isEqualTo("zstd");
    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(zstd.body()))) {
      assertThat(in.readAllBytes()).isEqualTo(ContentServer.json(50000));
    }
    // equal q-values: the server's order (br, zstd, gzip) decides
    assertThat(encoding(get("zip.test", "/json?n=5000", "gzip, zstd"))).isEqualTo("zstd");
    assertThat(encoding(get("zip.test", "/json?n=5000", "*"))).isEqualTo("br");
    assertThat(encoding(get("zip.test", "/json?n=5000", "*;q=0.5, gzip"))).isEqualTo("gzip");
  }

  @Test
  void leftAloneWhenNotAcceptedTooSmallWrongTypeAlreadyEncodedOrBodiless() throws Exception {
    HttpResponse<byte[]> none = get("zip.test", "/json?n=5000", null);
    assertThat(encoding(none)).isNull();
    assertThat(none.headers().firstValue("vary")).hasValue("accept-encoding"); // still a variant
    assertThat(none.body()).isEqualTo(ContentServer.json(5000));
    assertThat(encoding(get("zip.test", "/json?n=5000", "gzip;q=0, br;q=0, zstd;q=0"))).isNull();
    assertThat(encoding(get("zip.test", "/json?n=5000", "identity"))).isNull();
    HttpResponse<byte[]> small = get("zip.test", "/json?n=500", "gzip");
    assertThat(encoding(small)).isNull();
    assertThat(small.headers().firstValue("vary")).isEmpty();
    assertThat(encoding(get("zip.test", "/png?n=50000", "gzip"))).isNull();
    assertThat(encoding(get("zip.test", "/json?n=5000&cc=no-transform", "gzip"))).isNull();
    HttpResponse<byte[]> pre = get("zip.test", "/gzipped?n=50000", "gzip, br");
    assertThat(encoding(pre)).isEqualTo("gzip"); // the upstream's own, not encoded twice
    assertThat(gunzip(pre.body())).isEqualTo(ContentServer.json(50000));
    HttpResponse<byte[]> head = send("zip.test", "/json?n=5000", "gzip", "HEAD");
    assertThat(encoding(head)).isNull();
    assertThat(head.headers().firstValue("content-length")).hasValue("5000");
    assertThat(get("zip.test", "/empty", "gzip").statusCode()).isEqualTo(204);
    assertThat(encoding(get("plain.test", "/json?n=50000", "gzip"))).isNull(); // route without it
  }

  @Test
  void errorStatusesAreCompressedTooAndWildcardTypesMatch() throws Exception {
    HttpResponse<byte[]> r = get("gz.test", "/json?n=3000&status=404", "br, gzip");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(encoding(r)).isEqualTo("gzip"); // the only encoding of that route
    assertThat(gunzip(r.body())).isEqualTo(ContentServer.json(3000));
  }

  @Test
  void webSocketOnACompressingRouteIsLeftAlone() throws Exception {
    java.util.concurrent.CompletableFuture<String> echoed = new java.util.concurrent.CompletableFuture<>();
    java.net.http.WebSocket ws =
        http.newWebSocketBuilder()
            .header("Accept-Encoding", "gzip")
            .buildAsync(
                URI.create("ws://ws.test:" + proxy.port() + "/ws"),
                new java.net.http.WebSocket.Listener() {
                  final StringBuilder parts = new StringBuilder();

                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket w, CharSequence data, boolean last) {
                    parts.append(data); // a long message may come in several parts
                    if (last) {
                      echoed.complete(parts.toString());
                    }
                    w.request(1);
                    return null;
                  }
                })
            .get(5, TimeUnit.SECONDS);
    String text = "{\"hello\":\"" + "x".repeat(5000) + "\"}";
    ws.sendText(text, true).get(5, TimeUnit.SECONDS);
    assertThat(echoed.get(5, TimeUnit.SECONDS)).isEqualTo(text);
    ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    // the same route still compresses plain requests
    assertThat(encoding(get("ws.test", "/echo?pad=" + "y".repeat(1500), "gzip"))).isEqualTo("gzip");
  }

  @Test
  void curlCompressedDecodesIt(@TempDir Path dir) throws Exception {
    Path body = dir.resolve("body");
    Path headers = dir.resolve("headers");
    Process p =
        new ProcessBuilder(
                "curl", "-sS", "--compressed", "-o", body.toString(), "-D", headers.toString(),
                "--resolve", "zip.test:" + proxy.port() + ":127.0.0.1",
                "http://zip.test:" + proxy.port() + "/json?n=100000&chunked=1")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    assertThat(Files.readString(headers).toLowerCase()).containsPattern("content-encoding: (gzip|br|zstd)");
    assertThat(Files.readAllBytes(body)).isEqualTo(ContentServer.json(100000));
  }
}
