package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Request body size and read timeout, and the write timeout, over real sockets. */
class BodyAndWriteLimitsTest {
  static final String H = "Host: x.test\r\n";
  static TestBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("bodies");
    proxy =
        TestProxy.start(
            b ->
                b.limits(
                    Limits.builder()
                        .maxBodySize(1000)
                        .bodyReadTimeout(Duration.ofMillis(300))
                        .writeTimeout(Duration.ofMillis(300))
                        .build()));
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @Test
  void bodyWithinTheLimitIsForwarded() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      String body = "a".repeat(1000);
      RawHttp.Response r =
          c.send("POST /upload HTTP/1.1\r\n" + H + "Content-Length: 1000\r\n\r\n" + body).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).startsWith("bytes=1000 ");
      r = c.send("POST /upload HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
              + "1f4\r\n" + "b".repeat(500) + "\r\n1f4\r\n" + "c".repeat(500) + "\r\n0\r\n\r\n")
          .read();
      assertThat(r.bodyText()).startsWith("bytes=1000 ");
    }
  }

  @Test
  void chunkedBodyCrossingTheLimitIsCutWith413() throws Exception {
    double before = proxy.errors("body_too_large");
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send("POST /upload HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
                  + "258\r\n" + "a".repeat(600) + "\r\n258\r\n" + "b".repeat(600) + "\r\n0\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(proxy.errors("body_too_large")).isEqualTo(before + 1);
  }

  @Test
  void malformedChunkIs400AndTheUpstreamNeverGetsTheBodysEnd() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      // the head streams upstream at once; the broken chunk must not end the upstream request
      RawHttp.Response r =
          c.send("POST /upload HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
                  + "3\r\nabc\r\nzz\r\n0\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.bodyText()).doesNotContain("bytes=");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void bodyThatStopsArrivingGets408() throws Exception {
    double before = proxy.errors("body_read_timeout");
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send("POST /upload HTTP/1.1\r\n" + H + "Content-Length: 100\r\n\r\n0123456789").read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(proxy.errors("body_read_timeout")).isEqualTo(before + 1);
  }

  @Test
  void clientThatStopsReadingIsClosedAfterTheWriteTimeout() throws Exception {
    double before = proxy.errors("write_timeout");
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
      s.getOutputStream()
          .write(("GET /bytes?n=200000000 HTTP/1.1\r\n" + H + "\r\n").getBytes(StandardCharsets.US_ASCII));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (proxy.errors("write_timeout") == before && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(proxy.errors("write_timeout")).isEqualTo(before + 1);
      // what was buffered drains, then the connection ends far short of 200 MB
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      long total = 0;
      try {
        for (int n; (n = in.read(buf)) != -1; ) {
          total += n;
        }
      } catch (java.net.SocketException reset) {
        // a reset is as good as an EOF here
      }
      assertThat(total).isLessThan(200_000_000L);
    }
  }
}
