package dev.sluice.dataplane.server;

import dev.sluice.dataplane.accesslog.AccessLogSettings;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Process-level listener settings (from flags), validated once and immutable after. Unlike routes,
 * these cannot change without a restart because they bind sockets.
 */
public record ServerSettings(
    String bindAddress,
    int httpPort,
    int httpsPort,
    int adminPort,
    Transport transport,
    int ioThreads,
    TrustedProxies trustedProxies,
    Duration requestHeaderTimeout,
    Duration idleTimeout,
    int maxInitialLineLength,
    int maxHeaderSize,
    int upstreamMaxIdlePerEndpoint,
    Duration upstreamIdleTimeout,
    Duration tlsHandshakeTimeout,
    ProxyProtocolSettings proxyProtocol,
    Limits limits, // hardening: request/connection limits (see Limits)
    AccessLogSettings accessLog) { // off, stdout or a file; text or JSON; sampled

  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final int DEFAULT_HTTPS_PORT = 8443;
  public static final int DEFAULT_ADMIN_PORT = 9090;
  public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 8192;
  public static final int DEFAULT_MAX_HEADER_SIZE = 16384;
  /** Idle keep-alive connections kept per endpoint per event loop. */
  public static final int DEFAULT_UPSTREAM_MAX_IDLE_PER_ENDPOINT = 256;
  public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * HTTPS port: from accept to a complete ClientHello, and again from the ClientHello to the end of
   * the TLS handshake of a terminated connection.
   */
  public static final Duration DEFAULT_TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  public ServerSettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    port(httpPort, "httpPort");
    port(httpsPort, "httpsPort");
    port(adminPort, "adminPort");
    Objects.requireNonNull(transport, "transport");
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads must be >= 0 (0 = one per core)");
    }
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    Objects.requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(upstreamIdleTimeout, "upstreamIdleTimeout");
    Objects.requireNonNull(tlsHandshakeTimeout, "tlsHandshakeTimeout");
    if (tlsHandshakeTimeout.isNegative() || tlsHandshakeTimeout.isZero()) {
      throw new IllegalArgumentException("tlsHandshakeTimeout must be positive: " + tlsHandshakeTimeout);
    }
    Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    Objects.requireNonNull(limits, "limits"); // hardening
    Objects.requireNonNull(accessLog, "accessLog");
  }

  /** Port 0 means "any free port" (tests); the bound port is reported by the server. */
  private static void port(int p, String name) {
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(name + " out of range: " + p);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .bindAddress(bindAddress)
        .httpPort(httpPort)
        .httpsPort(httpsPort)
        .adminPort(adminPort)
        .transport(transport)
        .ioThreads(ioThreads)
        .trustedProxies(trustedProxies)
        .requestHeaderTimeout(requestHeaderTimeout)
        .idleTimeout(idleTimeout)
        .maxInitialLineLength(maxInitialLineLength)
        .maxHeaderSize(maxHeaderSize)
        .upstreamMaxIdlePerEndpoint(upstreamMaxIdlePerEndpoint)
        .upstreamIdleTimeout(upstreamIdleTimeout)
        .tlsHandshakeTimeout(tlsHandshakeTimeout)
        .proxyProtocol(proxyProtocol)
        .limits(limits) // hardening
        .accessLog(accessLog);
  }

  /** Builder with the named defaults above. */
  public static final class Builder {
    private String bindAddress = DEFAULT_BIND_ADDRESS;
    private int httpPort = DEFAULT_HTTP_PORT;
    private int httpsPort = DEFAULT_HTTPS_PORT;
    private int adminPort = DEFAULT_ADMIN_PORT;
    private Transport transport = Transport.AUTO;
    private int ioThreads = 0;
    private TrustedProxies trustedProxies = TrustedProxies.none();
    private Duration requestHeaderTimeout = DEFAULT_REQUEST_HEADER_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int maxInitialLineLength = DEFAULT_MAX_INITIAL_LINE_LENGTH;
    private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
    private int upstreamMaxIdlePerEndpoint = DEFAULT_UPSTREAM_MAX_IDLE_PER_ENDPOINT;
    private Duration upstreamIdleTimeout = DEFAULT_UPSTREAM_IDLE_TIMEOUT;
    private Duration tlsHandshakeTimeout = DEFAULT_TLS_HANDSHAKE_TIMEOUT;
    private ProxyProtocolSettings proxyProtocol = ProxyProtocolSettings.disabled();
    private Limits limits = Limits.DEFAULTS; // hardening
    private AccessLogSettings accessLog = AccessLogSettings.off();

    public Builder bindAddress(String v) { bindAddress = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder httpsPort(int v) { httpsPort = v; return this; }
    public Builder adminPort(int v) { adminPort = v; return this; }
    public Builder transport(Transport v) { transport = v; return this; }
    public Builder ioThreads(int v) { ioThreads = v; return this; }
    public Builder trustedProxies(TrustedProxies v) { trustedProxies = v; return this; }
    public Builder requestHeaderTimeout(Duration v) { requestHeaderTimeout = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder maxInitialLineLength(int v) { maxInitialLineLength = v; return this; }
    public Builder maxHeaderSize(int v) { maxHeaderSize = v; return this; }
    public Builder upstreamMaxIdlePerEndpoint(int v) { upstreamMaxIdlePerEndpoint = v; return this; }
    public Builder upstreamIdleTimeout(Duration v) { upstreamIdleTimeout = v; return this; }
    public Builder tlsHandshakeTimeout(Duration v) { tlsHandshakeTimeout = v; return this; }
    /** PROXY protocol on accept, for both the HTTP and the HTTPS listener. */
    public Builder proxyProtocol(ProxyProtocolSettings v) { proxyProtocol = v; return this; }
    public Builder limits(Limits v) { limits = v; return this; } // hardening
    /** The access log (default off). */
    public Builder accessLog(AccessLogSettings v) { accessLog = v; return this; }

    public ServerSettings build() {
      return new ServerSettings(
          bindAddress, httpPort, httpsPort, adminPort, transport, ioThreads, trustedProxies,
          requestHeaderTimeout, idleTimeout, maxInitialLineLength, maxHeaderSize,
          upstreamMaxIdlePerEndpoint, upstreamIdleTimeout, tlsHandshakeTimeout, proxyProtocol,
          limits, accessLog);
    }
  }
}
