package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.controller.acme.AcmeSettings;
import dev.sluice.controller.acme.ChallengeType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AcmeFlagsTest {
  @Test
  void defaultsAreLetsEncryptProductionAutoChallengeAnd30Days() throws Exception {
    AcmeSettings s = AcmeFlags.parse("--manifests", "/srv/m");
    assertThat(s.directory()).isEqualTo(AcmeSettings.LETS_ENCRYPT);
    assertThat(s.challenge()).isEqualTo(ChallengeType.AUTO);
    assertThat(s.renewBefore()).isEqualTo(Duration.ofDays(30));
    assertThat(s.stateDir()).isNull();
  }

  @Test
  void everyAcmeFlagIsReadAndFlagsAcceptsThem() throws Exception {
    String[] args = {"--manifests", "/srv/m", "--acme-staging", "--acme-email", "ops@example.org",
        "--acme-eab-kid=kid", "--acme-eab-hmac", "aG1hYw", "--acme-challenge", "tls-alpn-01",
        "--acme-renew-before", "10d", "--acme-state-dir", "/var/lib/sluice"};
    Flags.parse(args);
    AcmeSettings s = AcmeFlags.parse(args);
    assertThat(s.directory()).isEqualTo(AcmeSettings.LETS_ENCRYPT_STAGING);
    assertThat(s.email()).isEqualTo("ops@example.org");
    assertThat(s.eabKeyId()).isEqualTo("kid");
    assertThat(s.eabHmacKey()).isEqualTo("aG1hYw");
    assertThat(s.challenge()).isEqualTo(ChallengeType.TLS_ALPN_01);
    assertThat(s.renewBefore()).isEqualTo(Duration.ofDays(10));
    assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/sluice"));
    assertThat(AcmeFlags.parse("--acme-directory", "https://acme.example/dir").directory())
        .isEqualTo(URI.create("https://acme.example/dir"));
  }

  @Test
  void badAcmeFlagsAreUsageErrors() {
    assertThatThrownBy(() -> Flags.parse("--acme-challenge", "dns-01"))
        .hasMessageContaining("--acme-challenge must be auto, http-01 or tls-alpn-01");
    assertThatThrownBy(() -> Flags.parse("--acme-renew-before", "soon"))
        .hasMessageContaining("--acme-renew-before");
    assertThatThrownBy(() -> Flags.parse("--acme-eab-kid", "k"))
        .hasMessageContaining("go together");
    assertThatThrownBy(() -> Flags.parse("--acme-staging", "--acme-directory", "https://x/dir"))
        .hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> Flags.parse("--acme-directory", "ftp://x"))
        .hasMessageContaining("https URL");
  }
}
