package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate served when no certificate matches an SNI and none is configured as default:
 * self-signed, ECDSA P-256, {@code CN=sluice-default}, SAN {@code sluice.invalid}, valid one year.
 * Browsers will warn, which is the point: it only shows up for hosts nobody configured.
 *
 * <p>Built with BouncyCastle's certificate builder over JDK keys: Netty's {@code
 * SelfSignedCertificate} needs either BouncyCastle anyway or JDK-internal {@code sun.security.x509}
 * classes that JDK 16+ does not open, and it cannot set a SAN.
 */
public final class DefaultCertificate {

  private static final Logger log = LoggerFactory.getLogger(DefaultCertificate.class);

  public static final String NAME = "sluice-default (generated, self-signed)";
  public static final String COMMON_NAME = "sluice-default";
  public static final String SUBJECT_ALT_NAME = "sluice.invalid";
  public static final Duration VALIDITY = Duration.ofDays(365);

  private DefaultCertificate() {}

  /**
   * The one generated default certificate of this process, generated (and logged) on first use, so
   * every snapshot falls back to the same key and fingerprint.
   */
  public static Certificate shared() {
    return Shared.CERTIFICATE;
  }

  private static final class Shared {
    static final Certificate CERTIFICATE = generate();
  }

  /** Generates the default certificate and logs that it did so, with its fingerprint. */
  public static Certificate generate() {
    Certificate c = selfSigned(NAME, COMMON_NAME, List.of(SUBJECT_ALT_NAME), VALIDITY);
    log.info(
        "no default certificate configured; generated self-signed ECDSA P-256 certificate {}",
        fingerprint(c));
    return c;
  }

  /**
   * A self-signed ECDSA P-256 certificate for {@code dnsNames}, as a snapshot {@link Certificate}
   * (hostnames = dnsNames). Also what tests use to make certificates at run time.
   */
  public static Certificate selfSigned(
      String name, String commonName, List<String> dnsNames, Duration validity) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      X509Certificate cert = sign(pair, commonName, dnsNames, validity, "SHA256withECDSA");
      return new Certificate(name, dnsNames, toPem(cert), toPkcs8Pem(pair));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make an EC P-256 certificate", e);
    }
  }

  static X509Certificate sign(
      KeyPair pair, String commonName, List<String> dnsNames, Duration validity, String algorithm)
      throws GeneralSecurityException {
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + commonName);
    BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            serial,
            Date.from(now.minus(Duration.ofHours(1))), // tolerate client clock skew
            Date.from(now.plus(validity)),
            subject,
            pair.getPublic());
    try {
      GeneralName[] names =
          dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
      if (names.length > 0) {
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
    } catch (GeneralSecurityException e) {
      throw e;
    } catch (Exception e) {
      throw new GeneralSecurityException("cannot build self-signed certificate", e);
    }
  }

  /** SHA-256 of the leaf certificate's DER, as colon-separated upper-case hex (like openssl). */
  public static String fingerprint(Certificate certificate) {
    try {
      X509Certificate leaf = PemKeyMaterial.parse(certificate).chain().get(0);
      return fingerprint(leaf);
    } catch (TlsContextException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** SHA-256 of the certificate's DER, as colon-separated upper-case hex (like openssl). */
  public static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String toPem(X509Certificate cert) throws CertificateEncodingException {
    return pem("CERTIFICATE", cert.getEncoded());
  }

  static String toPkcs8Pem(KeyPair pair) {
    return pem("PRIVATE KEY", pair.getPrivate().getEncoded());
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
