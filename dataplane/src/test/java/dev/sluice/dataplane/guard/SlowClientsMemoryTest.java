package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import io.netty.buffer.ByteBufAllocatorMetric;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Slowloris: thousands of connections each holding half a request head. The proxy's buffer memory
 * stays flat (a partial head is a few dozen bytes of cumulation, no per-connection buffers are
 * pinned) and every one of them is answered 408 and closed by the request header timeout.
 */
class SlowClientsMemoryTest {
  static final int WANTED = 5_000;
  static final long MEMORY_BOUND = 64L << 20;

  @Test
  void fiveThousandHalfHeadsKeepMemoryFlatAndAreAllClosedByTheHeaderTimeout() throws Exception {
    // each connection costs two descriptors here (client and proxy side): stay inside the limit
    long fdLimit =
        ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
            ? unix.getMaxFileDescriptorCount()
            : 65536;
    int count = (int) Math.min(WANTED, (fdLimit - 1_000) / 2);
    assertThat(count).as("file descriptor limit %d too low for this test", fdLimit).isGreaterThan(500);
    byte[] halfHead = "GET /echo HTTP/1.1\r\nHost: x.test\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    try (TestBackend backend = TestBackend.start("slow");
        TestProxy proxy = TestProxy.start(b -> b.requestHeaderTimeout(Duration.ofSeconds(6)))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      List<Socket> sockets = new ArrayList<>(count);
      long peak = 0;
      long started = System.nanoTime();
      try {
        for (int i = 0; i < count; i++) {
          Socket s = new Socket();
          s.setReceiveBufferSize(4096);
          s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
          s.getOutputStream().write(halfHead);
          sockets.add(s);
          if (i % 500 == 0) {
            peak = Math.max(peak, used(proxy.server().allocatorMetric()));
          }
        }
        // the HTTP listener's gauge: untagged, find() may return the HTTPS one, whichever the
        // registry happens to iterate first
        var active =
            proxy.metrics().find("sluice.downstream.connections.active").tag("listener", "http").gauge();
        // the proxy may still be accepting the last ones
        for (int i = 0; i < 200 && active.value() < count; i++) {
          Thread.sleep(10);
        }
        peak = Math.max(peak, used(proxy.server().allocatorMetric()));
        System.out.printf(
            "%d slow clients opened in %d ms; %.0f open at the proxy; allocator peak %d KiB%n",
            count, (System.nanoTime() - started) / 1_000_000, active.value(), peak >> 10);
        assertThat(active.value()).as("all slow clients open at once").isEqualTo(count);
        assertThat(peak).as("allocator memory with %d slow clients", count).isLessThan(MEMORY_BOUND);
        int answered408 = 0;
        for (Socket s : sockets) {
          s.setSoTimeout(15_000);
          InputStream in = s.getInputStream();
          String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
          if (head.equals("HTTP/1.1 408")) {
            answered408++;
          }
        }
        assertThat(answered408).isEqualTo(count);
        assertThat(proxy.errors("request_header_timeout")).isEqualTo(count);
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  private static long used(ByteBufAllocatorMetric m) {
    return m.usedDirectMemory() + m.usedHeapMemory();
  }
}
