package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A certificate chain and its private key, parsed from PEM. Keys may be PKCS#8 ({@code BEGIN
 * PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY},
 * optionally preceded by {@code BEGIN EC PARAMETERS}) — what cert-manager, certbot, Traefik and
 * {@code openssl genrsa/ecparam} write. Netty alone reads only PKCS#8 (or relies on BouncyCastle
 * being found on the class path), so parsing happens here, explicitly, with BouncyCastle's PEM
 * reader and the JDK's own key factories. Encrypted keys are refused.
 */
public record PemKeyMaterial(PrivateKey key, List<X509Certificate> chain) {

  /**
   * Parses and cross-checks chain and key. Also what the translator uses to reject a bad TLS Secret
   * before it reaches a snapshot, so both halves agree on what a valid certificate is.
   */
  public static PemKeyMaterial parse(Certificate certificate) throws TlsContextException {
    List<X509Certificate> chain = parseChain(certificate);
    PrivateKey key = parseKey(certificate);
    checkKeyMatches(certificate, key, chain.get(0));
    return new PemKeyMaterial(key, List.copyOf(chain));
  }

  /** The certificates of {@code c}'s chain PEM, leaf first; the key is not read. */
  static List<X509Certificate> parseChain(Certificate c) throws TlsContextException {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (java.security.cert.Certificate cert :
          cf.generateCertificates(
              new ByteArrayInputStream(c.certificateChainPem().getBytes(StandardCharsets.US_ASCII)))) {
        chain.add((X509Certificate) cert);
      }
    } catch (CertificateException | RuntimeException e) {
      throw new TlsContextException(c.name(), "unreadable certificate PEM: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new TlsContextException(c.name(), "no certificate in the certificate PEM", null);
    }
    return chain;
  }

  private static PrivateKey parseKey(Certificate c) throws TlsContextException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(c.privateKeyPem()))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo pkcs8) {
          return converter.getPrivateKey(pkcs8);
        }
        if (o instanceof PEMKeyPair pair) {
          // SEC1 keys may omit the public key, so only the private half is converted
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof ASN1ObjectIdentifier) {
          continue; // "EC PARAMETERS" block that openssl ecparam -genkey writes before the key
        }
        String kind = o.getClass().getSimpleName();
        if (kind.contains("Encrypted")) {
          throw new TlsContextException(
              c.name(), "the private key is encrypted; give it unencrypted", null);
        }
        throw new TlsContextException(
            c.name(), "expected a private key in the key PEM, found " + kind, null);
      }
    } catch (PEMException e) {
      throw new TlsContextException(c.name(), "unreadable private key PEM: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new TlsContextException(c.name(), "unreadable private key PEM: " + e.getMessage(), e);
    }
    throw new TlsContextException(c.name(), "no private key in the key PEM", null);
  }

  /** Signs and verifies a probe, which works for every key type without per-type math. */
  private static void checkKeyMatches(Certificate c, PrivateKey key, X509Certificate leaf)
      throws TlsContextException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return; // unusual key type: let the TLS provider decide
    }
    try {
      byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      if (!verifier.verify(signature)) {
        throw new TlsContextException(
            c.name(), "the private key does not match the first certificate of the chain", null);
      }
    } catch (GeneralSecurityException e) {
      throw new TlsContextException(
          c.name(),
          "the private key does not match the first certificate of the chain (" + e.getMessage() + ")",
          e);
    }
  }
}
