package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.TestCa;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;

/** What {@link OcspVerifier} accepts for stapling, and what it refuses. */
class OcspVerifierTest {
  private static final String URL = "http://127.0.0.1:9/ocsp";

  private final TestCa ca = TestCa.create("Verifier CA");
  private final Certificate app = ca.issueWithOcsp(URL, "app.example.test").certificate("app");
  private final OcspTarget target = OcspTarget.of(chain(app));
  private final Instant now = Instant.now();

  @Test
  void findsTheResponderAndIssuerOnlyWhenBothAreThere() throws Exception {
    assertThat(target).isNotNull();
    assertThat(target.responder().toString()).isEqualTo(URL);
    assertThat(target.issuer()).isEqualTo(ca.certificate());
    assertThat(OcspTarget.of(chain(ca.issueCertificate("plain", "plain.example.test")))).isNull();
    assertThat(OcspTarget.of(List.of(target.leaf()))).as("no issuer in the chain").isNull();
    assertThat(OcspTarget.of(List.of(target.leaf(), TestCa.create("Other").certificate())))
        .as("the second certificate is not the issuer")
        .isNull();
  }

  @Test
  void theRequestNamesTheLeafBySerialAndIssuer() throws Exception {
    OCSPReq req = new OCSPReq(OcspVerifier.request(target));
    CertificateID id = req.getRequestList()[0].getCertID();
    assertThat(id.getSerialNumber()).isEqualTo(target.leaf().getSerialNumber());
    assertThat(id.matchesIssuer(ca.holder(), new JcaDigestCalculatorProviderBuilder().build())).isTrue();
  }

  @Test
  void acceptsAGoodResponseFromTheIssuer() {
    OcspVerdict v = OcspVerifier.verify(good(ca.ocspSigner()), target, now);
    assertThat(v.result()).isEqualTo(OcspVerdict.Result.GOOD);
    assertThat(v.nextUpdate()).isAfter(now);
  }

  @Test
  void acceptsADelegatedResponderOnlyWithTheOcspSigningUsage() {
    assertThat(OcspVerifier.verify(good(ca.delegatedOcspSigner(true)), target, now).result())
        .isEqualTo(OcspVerdict.Result.GOOD);
    assertThat(OcspVerifier.verify(good(ca.delegatedOcspSigner(false)), target, now).result())
        .isEqualTo(OcspVerdict.Result.INVALID);
  }

  @Test
  void refusesAResponseSignedByAnotherCa() {
    TestCa other = TestCa.create("Impostor CA");
    byte[] forged =
        other.ocspResponse(
            id(target.leaf().getSerialNumber()), CertificateStatus.GOOD, now, now.plusSeconds(3600));
    OcspVerdict v = OcspVerifier.verify(forged, target, now);
    assertThat(v.result()).isEqualTo(OcspVerdict.Result.INVALID);
    assertThat(v.detail()).contains("not signed");
  }

  @Test
  void refusesAResponseAboutAnotherCertificate() {
    byte[] der =
        ca.ocspResponse(id(BigInteger.TWO), CertificateStatus.GOOD, now, now.plusSeconds(3600));
    assertThat(OcspVerifier.verify(der, target, now).detail()).contains("no response for this");
  }

  @Test
  void refusesStaleAndFutureResponses() {
    byte[] stale =
        ca.ocspResponse(
            id(target.leaf().getSerialNumber()),
            CertificateStatus.GOOD,
            now.minus(Duration.ofHours(2)),
            now.minus(Duration.ofHours(1)));
    assertThat(OcspVerifier.verify(stale, target, now).detail()).contains("stale");
    byte[] future =
        ca.ocspResponse(
            id(target.leaf().getSerialNumber()),
            CertificateStatus.GOOD,
            now.plus(Duration.ofHours(1)),
            now.plus(Duration.ofHours(2)));
    assertThat(OcspVerifier.verify(future, target, now).detail()).contains("in the future");
  }

  @Test
  void reportsUnknownAndGarbageWithoutThrowing() {
    byte[] unknown =
        ca.ocspResponse(
            id(target.leaf().getSerialNumber()), new UnknownStatus(), now, now.plusSeconds(60));
    assertThat(OcspVerifier.verify(unknown, target, now).result())
        .isEqualTo(OcspVerdict.Result.UNKNOWN);
    assertThat(OcspVerifier.verify(new byte[] {1, 2, 3}, target, now).result())
        .isEqualTo(OcspVerdict.Result.INVALID);
    assertThat(OcspVerifier.verify(new byte[0], target, now).result())
        .isEqualTo(OcspVerdict.Result.INVALID);
  }

  private byte[] good(TestCa.OcspSigner signer) {
    return ca.ocspResponse(
        signer, id(target.leaf().getSerialNumber()), CertificateStatus.GOOD, now.minusSeconds(1),
        now.plusSeconds(3600));
  }

  private CertificateID id(BigInteger serial) {
    try {
      return new CertificateID(
          new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          ca.holder(),
          serial);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<X509Certificate> chain(Certificate c) {
    try {
      return PemKeyMaterial.parseChain(c);
    } catch (TlsContextException e) {
      throw new IllegalStateException(e);
    }
  }
}
