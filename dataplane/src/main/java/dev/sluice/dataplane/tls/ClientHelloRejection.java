package dev.sluice.dataplane.tls;

/** Why {@link ClientHelloSniffer} closed a connection before any handler saw it. */
public enum ClientHelloRejection {
  /** The first bytes are not a TLS handshake record (plain HTTP, SSLv2, random bytes). */
  NOT_TLS,
  /** A TLS handshake record, but not a well-formed ClientHello. */
  MALFORMED,
  /** The SNI host name is not a valid DNS name (bad characters, too long, empty label). */
  INVALID_SERVER_NAME,
  /** The client offers nothing newer than SSLv3 / TLS 1.0 / TLS 1.1 (below the minimum). */
  PROTOCOL_VERSION,
  /** The ClientHello is larger than the configured cap. */
  TOO_LARGE,
  /** No complete ClientHello arrived within the handshake timeout (slowloris, idle client). */
  TIMEOUT,
  /** The client closed after sending part of a ClientHello. */
  TRUNCATED,
  /**
   * The ClientHello was fine, but {@link HandshakeLimiter} already had its cap of TLS handshakes in
   * progress: closed before any handshake work.
   */
  TOO_MANY_HANDSHAKES,
  /** The {@link ClientHelloDispatcher} threw: a bug, logged once per occurrence at WARN. */
  DISPATCH_FAILED
}
