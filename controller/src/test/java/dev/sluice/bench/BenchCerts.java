package dev.sluice.bench;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for the benchmarks: ONE ECDSA P-256 key, and as many distinct self-signed
 * certificates for it as asked (distinct serial and CN, so distinct content and distinct cache
 * keys in the translator and the TLS context factory). Key generation is not what is measured.
 */
final class BenchCerts {
  /** PEM chain and PKCS#8 key, the two values of a kubernetes.io/tls Secret. */
  record Pem(String chain, String key) {}

  private final KeyPair pair;

  BenchCerts() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      pair = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 in this JDK", e);
    }
  }

  /** Certificate number {@code n} for {@code dnsNames}, signed with the one key. */
  Pem certificate(int n, List<String> dnsNames) {
    try {
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=bench-" + n);
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(1000L + n),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
          pair.getPublic());
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          dnsNames.stream().map(d -> new GeneralName(GeneralName.dNSName, d)).toArray(GeneralName[]::new)));
      byte[] der = new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())))
          .getEncoded();
      return new Pem(pem("CERTIFICATE", der), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make bench certificate " + n, e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
