package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.dataplane.server.ServerSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitFlagsTest {

  @Test
  void defaultsAreTheNamedDefaults() throws Exception {
    ServerSettings s = Flags.parse("--manifests", "m").serverSettings();
    assertThat(s.limits()).isEqualTo(Limits.DEFAULTS);
    assertThat(s.requestHeaderTimeout()).isEqualTo(ServerSettings.DEFAULT_REQUEST_HEADER_TIMEOUT);
    assertThat(s.maxInitialLineLength()).isEqualTo(ServerSettings.DEFAULT_MAX_INITIAL_LINE_LENGTH);
  }

  @Test
  void everyLimitFlagReachesTheServerSettings() throws Exception {
    ServerSettings s =
        Flags.parse(
                "--manifests", "m", "--request-header-timeout=5s", "--idle-timeout", "2m",
                "--max-request-line", "4096", "--max-header-size", "8192",
                "--max-header-count=50", "--max-body-size", "10m", "--body-read-timeout", "30s",
                "--write-timeout=45s", "--max-connections", "1000", "--max-connections-per-ip", "20",
                "--max-tls-handshakes", "300")
            .serverSettings();
    assertThat(s.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.maxInitialLineLength()).isEqualTo(4096);
    assertThat(s.maxHeaderSize()).isEqualTo(8192);
    assertThat(s.limits())
        .isEqualTo(new Limits(50, 10L << 20, Duration.ofSeconds(30), Duration.ofSeconds(45), 1000, 20, 300));
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "512, 512", "64k, 65536", "10M, 10485760", "1g, 1073741824"})
  void bodySizes(String text, long bytes) throws Exception {
    assertThat(LimitFlags.size("--max-body-size", text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource({
    "--max-body-size, -1",
    "--max-body-size, 10x",
    "--max-header-count, 0",
    "--max-connections, many",
    "--write-timeout, soon",
    "--max-request-line, 10"
  })
  void badValuesAreUsageErrors(String flag, String value) {
    assertThatThrownBy(() -> Flags.parse("--manifests", "m", flag, value))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageStartingWith(flag);
  }

  @Test
  void usageListsTheLimitFlags() {
    assertThat(Flags.USAGE).contains("--max-body-size").contains("--max-connections-per-ip");
  }
}
