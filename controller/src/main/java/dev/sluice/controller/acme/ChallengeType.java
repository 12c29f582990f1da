package dev.sluice.controller.acme;

import java.util.Locale;

/** Which ACME challenge proves control of a host name ({@code --acme-challenge}). */
public enum ChallengeType {
  /** TLS-ALPN-01 when the HTTPS listener runs, else HTTP-01. */
  AUTO,
  /** A token over plain HTTP on port 80 (RFC 8555 §8.3). */
  HTTP_01,
  /** A special certificate on port 443 for ALPN {@code acme-tls/1} (RFC 8737). */
  TLS_ALPN_01;

  /** The concrete type: {@link #AUTO} resolved by whether the HTTPS port is served. */
  public ChallengeType resolve(boolean httpsListening) {
    if (this != AUTO) {
      return this;
    }
    return httpsListening ? TLS_ALPN_01 : HTTP_01;
  }

  /** {@code auto}, {@code http-01}, {@code tls-alpn-01} */
  public static ChallengeType parse(String s) {
    return valueOf(s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
