package dev.sluice.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (ECDSA P-256, BouncyCastle), which issues server
 * certificates for backends, so tests exercise real chain and host name verification and no key is
 * ever committed. Immutable; thread-safe.
 */
public final class TestCa {
  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  /** A leaf issued by a {@link TestCa}, with its PEMs. */
  public record Issued(String chainPem, String keyPem) {}

  private TestCa(String name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA named {@code CN=name}. */
  public static TestCa create(String name) {
    try {
      KeyPair keys = ecKeys();
      X500Name subject = new X500Name("CN=" + name);
      X509v3CertificateBuilder b = builder(subject, subject, keys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new TestCa(name, keys, sign(b, keys.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  /** The CA certificate as PEM: what goes into a Secret's {@code ca.crt}. */
  public String pem() {
    return pem("CERTIFICATE", encoded(certificate));
  }

  /** A server certificate for {@code dnsNames}, signed by this CA (chain = leaf only). */
  public Issued issue(String... dnsNames) {
    try {
      KeyPair leaf = ecKeys();
      X509v3CertificateBuilder b =
          builder(new X500Name("CN=" + dnsNames[0]), new X500Name("CN=" + name), leaf);
      GeneralName[] names =
          List.of(dnsNames).stream()
              .map(n -> new GeneralName(GeneralName.dNSName, n))
              .toArray(GeneralName[]::new);
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509Certificate cert = sign(b, keys.getPrivate());
      return new Issued(
          pem("CERTIFICATE", encoded(cert)), pem("PRIVATE KEY", leaf.getPrivate().getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue a test certificate", e);
    }
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(2))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
