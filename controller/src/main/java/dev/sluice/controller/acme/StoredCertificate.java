package dev.sluice.controller.acme;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An issued certificate as a {@link CertificateStore} keeps it: full chain and key as PEM, plus
 * what the store records next to them. Immutable; the key is never printed.
 *
 * @param chainPem leaf first, then intermediates
 * @param keyPem the leaf's private key
 * @param issuer the ACME directory URL it came from
 * @param notAfter the leaf's expiry
 * @param names the DNS names it covers, lower case
 */
public record StoredCertificate(
    String chainPem, String keyPem, String issuer, Instant notAfter, List<String> names) {
  public StoredCertificate {
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(notAfter, "notAfter");
    names = List.copyOf(names);
  }

  @Override
  public String toString() {
    return "StoredCertificate[issuer=" + issuer + ", notAfter=" + notAfter + ", names=" + names
        + ", key=<redacted>]";
  }

  /** The first certificate of a PEM chain, or {@code null} when there is none readable. */
  static X509Certificate leaf(String chainPem) {
    if (chainPem == null) {
      return null;
    }
    try {
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)))) {
        if (c instanceof X509Certificate x) {
          return x;
        }
      }
    } catch (CertificateException | RuntimeException e) {
      // unreadable counts as missing
    }
    return null;
  }

  /** The DNS names of a certificate's subjectAltName, lower case. */
  static List<String> dnsNames(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // none
    }
    return out;
  }
}
