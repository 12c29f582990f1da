package dev.sluice.testing;

import dev.sluice.dataplane.snapshot.Certificate;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (ECDSA P-256, BouncyCastle), so tests exercise real
 * chain and host name verification and no key is ever committed. It issues server certificates —
 * as PEMs for backends ({@link #issue}) or as snapshot {@link Certificate}s for Sluice's HTTPS
 * listener ({@link #issueCertificate}) — and gives clients what they need to trust it: PEM text
 * ({@link #pem()}, a Secret's {@code ca.crt}), a PEM file for curl and openssl ({@link #writePem})
 * and an {@link SSLContext} for the JDK ({@link #clientContext()}). Immutable; thread-safe.
 */
public final class TestCa {
  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  /** A leaf issued by a {@link TestCa}: its DNS names and PEMs (chain = leaf only). */
  public record Issued(List<String> dnsNames, String chainPem, String keyPem) {
    public Issued {
      dnsNames = List.copyOf(dnsNames);
    }

    /** The same leaf as a snapshot certificate called {@code name} (e.g. {@code default/app}). */
    public Certificate certificate(String name) {
      return new Certificate(name, dnsNames, chainPem, keyPem);
    }
  }

  private TestCa(X500Name name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA named {@code CN=commonName}. */
  public static TestCa create(String commonName) {
    try {
      KeyPair keys = ecKeys();
      X500Name subject = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder b = builder(subject, subject, keys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new TestCa(subject, keys, sign(b, keys.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  /** A server certificate for {@code dnsNames} (the first is the CN), signed by this CA. */
  public Issued issue(String... dnsNames) {
    return issue(null, dnsNames);
  }

  /**
   * A server certificate for {@code dnsNames} whose Authority Information Access names {@code
   * ocspUrl} as its OCSP responder; its chain PEM is leaf then this CA (the issuer an OCSP stapler
   * needs).
   */
  public Issued issueWithOcsp(String ocspUrl, String... dnsNames) {
    return issue(ocspUrl, dnsNames);
  }

  private Issued issue(String ocspUrl, String... dnsNames) {
    try {
      KeyPair leaf = ecKeys();
      X509v3CertificateBuilder b = builder(name, new X500Name("CN=" + dnsNames[0]), leaf);
      if (ocspUrl != null) {
        b.addExtension(
            Extension.authorityInfoAccess,
            false,
            new AuthorityInformationAccess(
                AccessDescription.id_ad_ocsp,
                new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrl)));
      }
      GeneralName[] names = new GeneralName[dnsNames.length];
      for (int i = 0; i < dnsNames.length; i++) {
        names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509Certificate cert = sign(b, keys.getPrivate());
      String chain = pem("CERTIFICATE", cert.getEncoded());
      if (ocspUrl != null) {
        chain += pem("CERTIFICATE", certificate.getEncoded());
      }
      return new Issued(
          List.of(dnsNames),
          chain,
          pem("PRIVATE KEY", leaf.getPrivate().getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue a test certificate", e);
    }
  }

  /** {@link #issue} as a snapshot certificate called {@code name} (e.g. {@code default/app}). */
  public Certificate issueCertificate(String name, String... dnsNames) {
    return issue(dnsNames).certificate(name);
  }

  /** A key and certificate that sign OCSP responses: the CA itself or a delegated responder. */
  public record OcspSigner(X509Certificate certificate, PrivateKey key) {}

  /** This CA as an OCSP signer. */
  public OcspSigner ocspSigner() {
    return new OcspSigner(certificate, keys.getPrivate());
  }

  /**
   * A delegated OCSP responder certificate issued by this CA: with the {@code id-kp-OCSPSigning}
   * extended key usage when {@code ocspSigning}, without any (so not a valid responder) otherwise.
   */
  public OcspSigner delegatedOcspSigner(boolean ocspSigning) {
    try {
      KeyPair responder = ecKeys();
      X509v3CertificateBuilder b = builder(name, new X500Name("CN=OCSP responder"), responder);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      if (ocspSigning) {
        b.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
      }
      return new OcspSigner(sign(b, keys.getPrivate()), responder.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue an OCSP responder certificate", e);
    }
  }

  /**
   * A DER OCSP response from this CA (signed with the CA key) about {@code id}: {@code status}
   * ({@code CertificateStatus.GOOD}, a {@code RevokedStatus}, an {@code UnknownStatus}) valid from
   * {@code thisUpdate} to {@code nextUpdate}.
   */
  public byte[] ocspResponse(
      CertificateID id, CertificateStatus status, Instant thisUpdate, Instant nextUpdate) {
    return ocspResponse(ocspSigner(), id, status, thisUpdate, nextUpdate);
  }

  /**
   * {@link #ocspResponse(CertificateID, CertificateStatus, Instant, Instant)} signed by {@code
   * signer}, whose certificate is included in the response unless it is the CA itself.
   */
  public byte[] ocspResponse(
      OcspSigner signer,
      CertificateID id,
      CertificateStatus status,
      Instant thisUpdate,
      Instant nextUpdate) {
    try {
      X509CertificateHolder signerHolder = new X509CertificateHolder(signer.certificate().getEncoded());
      BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(signerHolder.getSubject()));
      b.addResponse(id, status, Date.from(thisUpdate), Date.from(nextUpdate));
      X509CertificateHolder[] chain =
          signer.certificate().equals(certificate) ? null : new X509CertificateHolder[] {signerHolder};
      BasicOCSPResp basic =
          b.build(
              new JcaContentSignerBuilder("SHA256withECDSA").build(signer.key()),
              chain,
              Date.from(thisUpdate));
      return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException("cannot sign an OCSP response", e);
    }
  }

  /** The CA certificate as a BouncyCastle holder (for OCSP CertIDs). */
  public X509CertificateHolder holder() {
    try {
      return new X509CertificateHolder(certificate.getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA certificate as PEM: what goes into a Secret's {@code ca.crt}. */
  public String pem() {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate as PEM, written to {@code file} (for {@code curl --cacert}). */
  public Path writePem(Path file) throws IOException {
    return Files.writeString(file, pem());
  }

  /** A JDK client context that trusts this CA only. */
  public SSLContext clientContext() {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("ca", certificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Netty server context for a backend that terminates TLS itself with {@code c}. */
  public static SslContext serverContext(Certificate c) {
    try {
      return SslContextBuilder.forServer(privateKey(c), List.of(leaf(c)))
          .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
          .build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The leaf of a certificate issued here (or any single-PEM {@link Certificate}). */
  public static X509Certificate leaf(Certificate c) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(
                      c.certificateChainPem().getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 of the DER, lower-case hex without separators. */
  public static String fingerprint(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static PrivateKey privateKey(Certificate c) throws Exception {
    String b64 =
        c.privateKeyPem()
            .replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
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

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
