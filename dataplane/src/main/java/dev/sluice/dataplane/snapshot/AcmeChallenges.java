package dev.sluice.dataplane.snapshot;

import java.util.Map;
import java.util.Objects;

/**
 * ACME challenges being validated right now, carried in the snapshot like any route so that every
 * replica answers them (RFC 8555 §8.3 HTTP-01, RFC 8737 TLS-ALPN-01).
 *
 * @param http01 token -> key authorization, served as the body of {@code GET
 *     /.well-known/acme-challenge/<token>} on the HTTP port (whatever the Host)
 * @param tlsAlpn01 host name (lower case) -> the self-signed challenge certificate carrying the
 *     {@code acmeIdentifier} extension, served on the HTTPS port to ClientHellos that offer ALPN
 *     {@code acme-tls/1} for that SNI
 */
public record AcmeChallenges(Map<String, String> http01, Map<String, Certificate> tlsAlpn01) {
  private static final AcmeChallenges EMPTY = new AcmeChallenges(Map.of(), Map.of());

  public AcmeChallenges {
    http01 = Map.copyOf(Objects.requireNonNull(http01, "http01"));
    tlsAlpn01 = Map.copyOf(Objects.requireNonNull(tlsAlpn01, "tlsAlpn01"));
  }

  public static AcmeChallenges empty() {
    return EMPTY;
  }

  public boolean isEmpty() {
    return http01.isEmpty() && tlsAlpn01.isEmpty();
  }
}
