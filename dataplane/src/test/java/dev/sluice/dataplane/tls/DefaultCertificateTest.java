package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultCertificateTest {

  @Test
  void generatedDefaultIsSelfSignedEcdsaP256ForOneYear() throws Exception {
    Certificate c = DefaultCertificate.generate();
    assertThat(c.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    X509Certificate leaf = TestCertificates.leaf(c);
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=sluice-default");
    assertThat(leaf.getIssuerX500Principal()).isEqualTo(leaf.getSubjectX500Principal());
    leaf.verify(leaf.getPublicKey()); // self-signed
    assertThat(leaf.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "sluice.invalid"));
    Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    assertThat(validity).isBetween(Duration.ofDays(365), Duration.ofDays(366));
    assertThat(leaf.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(364)));
    assertThat(DefaultCertificate.fingerprint(c)).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
  }

  @Test
  void sharedDefaultIsGeneratedOnce() {
    assertThat(DefaultCertificate.shared()).isSameAs(DefaultCertificate.shared());
  }

  @Test
  void generatedDefaultServesTls() throws Exception {
    TlsContextFactory f = new TlsContextFactory();
    Certificate c = DefaultCertificate.shared();
    try (TlsTestServer server = new TlsTestServer(ch -> {
      try {
        ch.pipeline().addLast(f.build(c, TlsSettings.defaults()).newHandler(ch.alloc()), new TlsTestServer.Report());
      } catch (TlsContextException e) {
        throw new AssertionError(e);
      }
    })) {
      var seen = TlsTestServer.connect(TestCertificates.trusting(c), server.port(), null, null, null);
      assertThat(DefaultCertificate.fingerprint(seen.leaf())).isEqualTo(DefaultCertificate.fingerprint(c));
    }
  }
}
