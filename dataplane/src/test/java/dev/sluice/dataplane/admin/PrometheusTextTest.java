package dev.sluice.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.PrometheusText;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test-side parser is only worth something if it rejects what Prometheus rejects. */
class PrometheusTextTest {
  private static final String VALID =
      """
      # HELP http_requests_total The total number of HTTP requests.
      # TYPE http_requests_total counter
      http_requests_total{method="post",code="200"} 1027 1395066363000
      http_requests_total{method="post",code="400",} 3 1395066363000
      # A comment
      msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
      metric_without_timestamp_and_labels 12.47
      something_weird{problem="division by zero"} +Inf -3982045
      # TYPE rpc_duration_seconds histogram
      rpc_duration_seconds_bucket{le="0.05"} 24054
      rpc_duration_seconds_bucket{le="0.1"} 33444
      rpc_duration_seconds_bucket{le="+Inf"} 144320
      rpc_duration_seconds_sum 53423
      rpc_duration_seconds_count 144320
      """;

  @Test
  void parsesTheSpecExample() {
    PrometheusText p = PrometheusText.parse(VALID);
    assertThat(p.family("http_requests_total").type()).isEqualTo("counter");
    assertThat(p.family("http_requests_total").help()).isEqualTo("The total number of HTTP requests.");
    assertThat(p.sum("http_requests_total", Map.of("code", "400"))).isEqualTo(3);
    assertThat(p.family("msdos_file_access_time_seconds").samples().get(0).labels())
        .containsEntry("path", "C:\\DIR\\FILE.TXT")
        .containsEntry("error", "Cannot find file:\n\"FILE.TXT\"");
    assertThat(p.sum("something_weird", Map.of())).isInfinite();
    assertThat(p.family("rpc_duration_seconds").samples()).hasSize(5);
  }

  @Test
  void rejectsMalformedExpositions() {
    assertBad("metric 1", "newline"); // no trailing newline
    assertBad("1metric 1\n", "bad metric name");
    assertBad("m{1a=\"x\"} 1\n", "bad label name");
    assertBad("m{a=\"x\",a=\"y\"} 1\n", "twice");
    assertBad("m{a=\"x\\t\"} 1\n", "bad escape");
    assertBad("m{a=\"x} 1\n", "unterminated");
    assertBad("m one\n", "bad value");
    assertBad("m 1 1.5\n", "bad timestamp");
    assertBad("# TYPE m countr\nm 1\n", "unknown type");
    assertBad("m 1\n# TYPE m gauge\n", "TYPE after samples");
    assertBad("a 1\nb 1\na{x=\"1\"} 2\n", "not in one group");
    assertBad("m 1\nm 2\n", "duplicate series");
    assertBad(
        "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 4\nh_bucket{le=\"+Inf\"} 5\nh_count 5\n",
        "not cumulative");
    assertBad("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_count 5\n", "no +Inf bucket");
    assertBad("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_count 6\n", "!= _count");
  }

  private static void assertBad(String text, String why) {
    assertThatThrownBy(() -> PrometheusText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
  }
}
