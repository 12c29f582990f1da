package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** Certificates made at test time, so no private key is ever committed. */
final class TestCertificates {

  enum KeyFormat {
    PKCS8,
    /** {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY} */
    TRADITIONAL
  }

  private TestCertificates() {}

  static Certificate ec(String name, List<String> hosts, KeyFormat format) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return make(name, hosts, g.generateKeyPair(), "SHA256withECDSA", format);
  }

  static Certificate rsa(String name, List<String> hosts, KeyFormat format) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return make(name, hosts, g.generateKeyPair(), "SHA256withRSA", format);
  }

  private static Certificate make(
      String name, List<String> hosts, KeyPair pair, String alg, KeyFormat format) throws Exception {
    String cn = hosts.isEmpty() ? name : hosts.get(0);
    X509Certificate cert = DefaultCertificate.sign(pair, cn, hosts, Duration.ofDays(2), alg);
    String keyPem;
    if (format == KeyFormat.PKCS8) {
      keyPem = DefaultCertificate.toPkcs8Pem(pair);
    } else if (pair.getPrivate().getAlgorithm().equals("EC")) {
      keyPem = sec1Pem(pair);
    } else {
      // JcaPEMWriter writes a bare java.security.PrivateKey in the traditional (PKCS#1/SEC1) form
      StringWriter out = new StringWriter();
      try (JcaPEMWriter w = new JcaPEMWriter(out)) {
        w.writeObject(pair.getPrivate());
      }
      keyPem = out.toString();
    }
    return new Certificate(name, hosts, DefaultCertificate.toPem(cert), keyPem);
  }

  /** SEC1 as {@code openssl ecparam -genkey} writes it: curve OID and public key included. */
  private static String sec1Pem(KeyPair pair) throws Exception {
    var pkcs8 = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
    var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
    var spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
    var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
        256, inner.getKey(), spki.getPublicKeyData(), pkcs8.getPrivateKeyAlgorithm().getParameters());
    String b64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(sec1.getEncoded());
    return "-----BEGIN EC PRIVATE KEY-----\n" + b64 + "\n-----END EC PRIVATE KEY-----\n";
  }

  static X509Certificate leaf(Certificate c) throws Exception {
    return PemKeyMaterial.parse(c).chain().get(0);
  }

  /** A client SSLContext that trusts exactly these certificates. */
  static SSLContext trusting(Certificate... certificates) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (Certificate c : certificates) {
      ks.setCertificateEntry("c" + i++, leaf(c));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
