package dev.sluice.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The queue, the writer thread, sampling, the formats and the settings, without a proxy. */
class AccessLogTest {
  static AccessEntry entry(int i) {
    return new AccessEntry(
        AccessEntry.HTTP, 1_795_000_000_000L, "198.51.100." + i, "h.example.test", "GET",
        "/p?i=" + i, "HTTP/1.1", "r", "10.0.0.1:80", 200, 3, 7, 12_345_678, 2_000_000, null, null);
  }

  /** A writer whose first write waits until released: the log's thread is stuck on a slow sink. */
  static final class StuckWriter extends Writer {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final StringBuilder out = new StringBuilder();

    @Override
    public void write(char[] cbuf, int off, int len) {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (out) {
        out.append(cbuf, off, len);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void aFullQueueDropsAndCountsWithoutBlockingTheCaller() throws Exception {
    StuckWriter sink = new StuckWriter();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccessLog log = new AccessLog(AccessLogSettings.stdout().withQueueCapacity(4), sink, false);
    log.bindTo(registry);
    try {
      assertThat(log.offer(entry(0))).isTrue();
      assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds entry 0
      int queued = 0;
      for (int i = 1; i <= 100; i++) {
        if (log.offer(entry(i))) { // returns at once even though the writer is stuck
          queued++;
        }
      }
      assertThat(queued).isEqualTo(4);
      assertThat(log.dropped()).isEqualTo(96);
      assertThat(registry.get(AccessLog.DROPPED).functionCounter().count()).isEqualTo(96.0);
      sink.release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 5);
      synchronized (sink.out) {
        assertThat(sink.out.toString().split("\n")).hasSize(5);
      }
    } finally {
      sink.release.countDown();
      log.close();
    }
  }

  @Test
  void closeWritesWhatIsQueuedAndLaterOffersAreRefused() {
    StringWriter sink = new StringWriter();
    AccessLog log = new AccessLog(AccessLogSettings.stdout(), sink, true);
    for (int i = 0; i < 10; i++) {
      assertThat(log.offer(entry(i))).isTrue();
    }
    log.close();
    assertThat(sink.toString().lines()).hasSize(10);
    assertThat(log.offer(entry(11))).isFalse();
  }

  @Test
  void samplingRatios() {
    AccessLog none = new AccessLog(AccessLogSettings.stdout().withSampleRatio(0), new StringWriter(), true);
    AccessLog all = new AccessLog(AccessLogSettings.stdout().withSampleRatio(1), new StringWriter(), true);
    AccessLog half = new AccessLog(AccessLogSettings.stdout().withSampleRatio(0.5), new StringWriter(), true);
    try {
      int n = 0;
      int h = 0;
      for (int i = 0; i < 10_000; i++) {
        assertThat(none.sampled()).isFalse();
        if (all.sampled()) {
          n++;
        }
        if (half.sampled()) {
          h++;
        }
      }
      assertThat(n).isEqualTo(10_000);
      assertThat(h).isBetween(4_000, 6_000); // binomial(10000, 0.5): 20 standard deviations wide
      assertThat(AccessLog.off().sampled()).isFalse();
      assertThat(AccessLog.off().offer(entry(0))).isFalse();
    } finally {
      none.close();
      all.close();
      half.close();
    }
  }

  @Test
  void textFormat() {
    String line = AccessLogFormat.text(entry(1));
    // start = end - duration: 1795000000000 ms minus 12 ms
    assertThat(line)
        .isEqualTo(
            "198.51.100.1 - - [18/Nov/2026:11:06:39.988 +0000] \"GET /p?i=1 HTTP/1.1\" 200 7 \"-\""
                + " \"-\" host=\"h.example.test\" route=\"r\" upstream=\"10.0.0.1:80\" in=3"
                + " rt=0.012 urt=0.002");
    assertThat(AccessLogProxyTest.TEXT.matcher(line).matches()).isTrue();
  }

  @Test
  void jsonFormatEscapesAndParses() {
    AccessEntry odd =
        new AccessEntry(
            AccessEntry.HTTP, 0, "::1", "h", "GET", "/a\"b\\c\u0001", "HTTP/1.1", null, null, 0,
            0, 0, 1_500, -1, "ua\ttab", null);
    Map<String, Object> json = StrictJson.parseObject(AccessLogFormat.json(odd));
    assertThat(json.get("uri")).isEqualTo("/a\"b\\c\u0001");
    assertThat(json.get("user_agent")).isEqualTo("ua\ttab");
    assertThat(json).containsEntry("status", null).containsEntry("upstream_duration_ms", null);
    assertThat(json).containsEntry("route", null).containsEntry("upstream", null);
    assertThat(json.get("duration_ms")).isEqualTo(0.001);
    String text = AccessLogFormat.text(odd);
    assertThat(text).contains("\"GET /a\\x22b\\x5Cc\\x01 HTTP/1.1\" - 0 ").contains("urt=-");
  }

  @Test
  void settingsFromFlagValues() {
    assertThat(AccessLogSettings.parse("off", null, null).destination())
        .isEqualTo(AccessLogSettings.Destination.OFF);
    AccessLogSettings s = AccessLogSettings.parse("/var/log/a.log", "json", "0.25");
    assertThat(s.destination()).isEqualTo(AccessLogSettings.Destination.FILE);
    assertThat(s.file()).isEqualTo(Path.of("/var/log/a.log"));
    assertThat(s.format()).isEqualTo(AccessLogSettings.Format.JSON);
    assertThat(s.sampleRatio()).isEqualTo(0.25);
    assertThat(AccessLogSettings.parse("stdout", "TEXT", "1").destination())
        .isEqualTo(AccessLogSettings.Destination.STDOUT);
    assertThatThrownBy(() -> AccessLogSettings.parse("stdout", "xml", null))
        .hasMessageContaining("--access-log-format");
    assertThatThrownBy(() -> AccessLogSettings.parse("stdout", null, "1.5"))
        .hasMessageContaining("--access-log-sample");
    assertThatThrownBy(() -> AccessLogSettings.parse("stdout", null, "NaN"))
        .hasMessageContaining("--access-log-sample");
    assertThatThrownBy(() -> AccessLogSettings.parse(" ", null, null))
        .hasMessageContaining("--access-log");
  }
}
