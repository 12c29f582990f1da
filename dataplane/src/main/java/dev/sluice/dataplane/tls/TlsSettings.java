package dev.sluice.dataplane.tls;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How TLS is terminated: the knobs users set in Traefik's {@code tls.options}. Immutable,
 * validated once; part of {@link TlsContextFactory}'s cache key, so equal settings share contexts.
 *
 * @param minimumVersion TLS 1.2 (default) or 1.3; the maximum is always TLS 1.3
 * @param cipherSuites TLS 1.2 cipher suites by IANA name, in server preference order (TLS 1.3
 *     suites are fixed by BoringSSL: AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305)
 * @param sessionResumption server-side session cache plus session tickets (RFC 5077 / RFC 8446
 *     PSK); tickets are encrypted with keys random per process
 * @param sessionCacheSize entries in the server-side session cache (0 = provider default)
 * @param sessionTimeout lifetime of cached sessions and tickets
 * @param alpnProtocols offered by ALPN, in server preference order
 * @param enableOcsp enables OCSP stapling support in BoringSSL (OpenSSL provider only); a staple is
 *     sent only once a response is set on the engine, see {@link TlsContextFactory}
 */
public record TlsSettings(
    TlsVersion minimumVersion,
    List<String> cipherSuites,
    boolean sessionResumption,
    long sessionCacheSize,
    Duration sessionTimeout,
    List<String> alpnProtocols,
    boolean enableOcsp) {

  /** ECDHE key exchange, AEAD ciphers only: the "modern/intermediate" TLS 1.2 list. */
  public static final List<String> DEFAULT_CIPHER_SUITES =
      List.of(
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /**
   * The TLS 1.3 suites, always enabled: BoringSSL does not let them be chosen, and both providers
   * need them listed to offer TLS 1.3 at all.
   */
  public static final List<String> TLS13_CIPHER_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  public static final TlsVersion DEFAULT_MINIMUM_VERSION = TlsVersion.TLS_1_2;
  public static final List<String> DEFAULT_ALPN_PROTOCOLS = List.of("h2", "http/1.1");
  public static final long DEFAULT_SESSION_CACHE_SIZE = 20_480;
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofHours(1);

  public TlsSettings {
    Objects.requireNonNull(minimumVersion, "minimumVersion");
    cipherSuites = List.copyOf(cipherSuites);
    if (cipherSuites.isEmpty() && minimumVersion == TlsVersion.TLS_1_2) {
      throw new IllegalArgumentException("cipherSuites is empty but TLS 1.2 is allowed");
    }
    for (String c : cipherSuites) {
      if (!c.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException("invalid cipher suite name '" + c + "'");
      }
    }
    if (sessionCacheSize < 0) {
      throw new IllegalArgumentException("sessionCacheSize must be >= 0");
    }
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
      throw new IllegalArgumentException("sessionTimeout must be positive");
    }
    alpnProtocols = List.copyOf(alpnProtocols);
    for (String p : alpnProtocols) {
      if (p.isEmpty() || p.length() > 255) {
        throw new IllegalArgumentException("invalid ALPN protocol '" + p + "'");
      }
    }
  }

  /** TLS 1.2+, modern ciphers, resumption on, ALPN h2 + http/1.1, OCSP on. */
  public static TlsSettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder()
        .minimumVersion(minimumVersion)
        .cipherSuites(cipherSuites)
        .sessionResumption(sessionResumption)
        .sessionCacheSize(sessionCacheSize)
        .sessionTimeout(sessionTimeout)
        .alpnProtocols(alpnProtocols)
        .enableOcsp(enableOcsp);
  }

  /** Not thread-safe; build once. */
  public static final class Builder {
    private TlsVersion minimumVersion = DEFAULT_MINIMUM_VERSION;
    private List<String> cipherSuites = DEFAULT_CIPHER_SUITES;
    private boolean sessionResumption = true;
    private long sessionCacheSize = DEFAULT_SESSION_CACHE_SIZE;
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private List<String> alpnProtocols = DEFAULT_ALPN_PROTOCOLS;
    private boolean enableOcsp = true;

    private Builder() {}

    public Builder minimumVersion(TlsVersion v) {
      this.minimumVersion = v;
      return this;
    }

    public Builder cipherSuites(List<String> suites) {
      this.cipherSuites = suites;
      return this;
    }

    public Builder sessionResumption(boolean on) {
      this.sessionResumption = on;
      return this;
    }

    public Builder sessionCacheSize(long size) {
      this.sessionCacheSize = size;
      return this;
    }

    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = timeout;
      return this;
    }

    public Builder alpnProtocols(List<String> protocols) {
      this.alpnProtocols = protocols;
      return this;
    }

    public Builder enableOcsp(boolean on) {
      this.enableOcsp = on;
      return this;
    }

    public TlsSettings build() {
      return new TlsSettings(
          minimumVersion,
          cipherSuites,
          sessionResumption,
          sessionCacheSize,
          sessionTimeout,
          alpnProtocols,
          enableOcsp);
    }
  }
}
