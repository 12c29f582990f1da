package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.PatternStream;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import io.netty.buffer.ByteBufAllocatorMetric;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 100 MiB each way through the proxy while a slow party (backend for uploads, client for
 * downloads) pauses. The proof that nothing is buffered whole is the proxy's own allocator: the
 * most buffer memory it ever holds stays far below the body size. Without flow control the pause
 * would make it hold most of the body.
 */
class StreamingTest {
  static final long SIZE = 100L << 20;
  static final long MEMORY_BOUND = 32L << 20;
  static final long EXPECTED_CRC = TestBackend.patternCrc(SIZE);

  static TestBackend backend;
  static TestProxy proxy;
  static HttpClient client;
  private Thread sampler;
  private final AtomicBoolean sampling = new AtomicBoolean(true);
  private final AtomicLong peak = new AtomicLong();

  @BeforeAll
  static void start() {
    backend = TestBackend.start("stream");
    proxy = TestProxy.start();
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @BeforeEach
  void sampleProxyMemory() {
    ByteBufAllocatorMetric metric = proxy.server().allocatorMetric();
    sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (sampling.get()) {
                    peak.accumulateAndGet(
                        metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                    try {
                      Thread.sleep(2);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  @AfterEach
  void stopSampling() throws InterruptedException {
    sampling.set(false);
    sampler.join();
    System.out.printf("peak proxy buffer memory: %.1f MiB%n", peak.get() / 1048576.0);
  }

  @Test
  void chunkedUploadOf100MiBStreamsToASlowBackendWithBoundedMemory() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(proxy.uri("/upload?pauseMs=300"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(SIZE)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("bytes=" + SIZE + " crc32=" + EXPECTED_CRC);
    assertThat(peak.get()).isPositive().isLessThan(MEMORY_BOUND);
  }

  @Test
  void contentLengthUploadOf100MiBStreamsWithBoundedMemory() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(proxy.uri("/upload?pauseMs=300"))
                .POST(
                    HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(SIZE)), SIZE))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("bytes=" + SIZE + " crc32=" + EXPECTED_CRC);
    assertThat(peak.get()).isPositive().isLessThan(MEMORY_BOUND);
  }

  @Test
  void downloadOf100MiBStreamsToASlowClientWithBoundedMemory() throws Exception {
    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(proxy.uri("/bytes?n=" + SIZE)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
    CRC32 crc = new CRC32();
    long total = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = r.body()) {
      int n;
      while ((n = in.read(buf)) != -1) {
        if (total < (1 << 20) && total + n >= (1 << 20)) {
          Thread.sleep(300); // a slow client: the backend keeps producing meanwhile
        }
        crc.update(buf, 0, n);
        total += n;
      }
    }
    assertThat(total).isEqualTo(SIZE);
    assertThat(crc.getValue()).isEqualTo(EXPECTED_CRC);
    assertThat(peak.get()).isPositive().isLessThan(MEMORY_BOUND);
  }

  @Test
  void contentLengthDownloadKeepsItsLength() throws Exception {
    HttpResponse<byte[]> r =
        client.send(
            HttpRequest.newBuilder(proxy.uri("/bytes?cl=1&n=1000000")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.headers().firstValue("content-length")).hasValue("1000000");
    assertThat(r.body()).hasSize(1_000_000);
    CRC32 crc = new CRC32();
    crc.update(r.body());
    assertThat(crc.getValue()).isEqualTo(TestBackend.patternCrc(1_000_000));
  }
}
