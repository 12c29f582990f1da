package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.RequestPolicyManifests.HOST;
import static dev.sluice.controller.translate.RequestPolicyManifests.publish;
import static dev.sluice.controller.translate.RequestPolicyManifests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Body size and body timeouts of a route, from annotations to bytes. */
class TransferPolicyTest {
  private TestBackend backend;
  private TestProxy proxy;

  @BeforeEach
  void start() {
    backend = TestBackend.start("web");
    proxy = TestProxy.start();
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  private static String post(String path, String framing) {
    return "POST " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n" + framing + "\r\n";
  }

  @Test
  void aContentLengthOverTheBodySizeIs413BeforeTheBackendIsAsked() throws Exception {
    publish(proxy, backend, Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "1k"));
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send(post("/echo", "Content-Length: 1025\r\n")).read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(backend.requests()).isZero();
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send(post("/echo", "Content-Length: 1024\r\n") + "x".repeat(1024)).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).contains("\"bodyLength\":1024");
    }
  }

  @Test
  void aChunkedBodyThatStreamsPastTheSizeIsCutWith413() throws Exception {
    publish(proxy, backend, Map.of("sluice.dev/proxy-body-size", "1k"));
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      String chunk = Integer.toHexString(600) + "\r\n" + "y".repeat(600) + "\r\n";
      c.send(post("/upload", "Transfer-Encoding: chunked\r\n") + chunk);
      Thread.sleep(100); // the first chunk goes upstream
      c.send(chunk);
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void theListenerLimitStillAppliesWhenTheRouteAllowsMore() throws Exception {
    proxy.close();
    proxy = TestProxy.start(b -> b.limits(Limits.builder().maxBodySize(512).build()));
    publish(proxy, backend, Map.of("sluice.dev/proxy-body-size", "8m"));
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send(post("/echo", "Content-Length: 700\r\n") + "z".repeat(700)).read();
      assertThat(r.status()).isEqualTo(413);
    }
    publish(proxy, backend, Map.of("sluice.dev/proxy-body-size", "0")); // 0: no route limit
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send(post("/echo", "Content-Length: 500\r\n") + "z".repeat(500)).read();
      assertThat(r.status()).isEqualTo(200);
    }
  }

  @Test
  void readTimeoutBoundsTheWaitForTheHeadAndBetweenBodyChunks() throws Exception {
    publish(proxy, backend, Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", "1"));
    assertThat(request(proxy, "GET", "/slow?ms=3000").status()).isEqualTo(504);
    // chunks every 300 ms keep the response alive well past one timeout in total
    RawHttp.Response steady = request(proxy, "GET", "/drip?chunks=6&ms=300");
    assertThat(steady.status()).isEqualTo(200);
    assertThat(steady.bodyText()).hasSize(6 * 5);
    // a pause longer than the timeout after the head cuts the response
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send("GET /drip?chunks=3&ms=2500 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      assertThatThrownBy(c::read).isInstanceOf(IOException.class);
    }
    assertThat(proxy.errors("upstream_read_timeout")).isEqualTo(1.0);
  }

  @Test
  void sendTimeoutAnswers504WhenTheBackendStopsTakingTheBody() throws Exception {
    publish(proxy, backend, Map.of("sluice.dev/proxy-send-timeout", "1s"));
    long size = 256L << 20;
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send(post("/upload?pauseMs=8000", "Content-Length: " + size + "\r\n"));
      OutputStream out = c.socket().getOutputStream();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                byte[] block = new byte[64 * 1024];
                try {
                  for (long sent = 0; sent < size; sent += block.length) {
                    out.write(block);
                  }
                } catch (IOException e) {
                  // the proxy closed the connection after its answer
                }
              });
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(504);
      c.close();
      writer.join();
    }
    assertThat(proxy.errors("upstream_send_timeout")).isEqualTo(1.0);
  }
}
