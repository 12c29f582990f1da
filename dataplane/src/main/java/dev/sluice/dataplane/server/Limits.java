package dev.sluice.dataplane.server;

import java.time.Duration;

/**
 * Limits against hostile or broken clients on the HTTP listeners, with named defaults. Validated
 * once, immutable after (part of {@link ServerSettings}).
 *
 * @param maxHeaderCount header lines of one request head; one more gets 431
 * @param maxBodySize bytes of one request body; past it 413 (0 = unlimited, the default: an
 *     ingress in front of upload services should not cut them by surprise)
 * @param bodyReadTimeout longest wait for the next request body bytes while the proxy is asking
 *     for them; past it 408 (or a cut connection once the response started)
 * @param writeTimeout longest time a client may leave its connection unwritable (it stopped
 *     reading); past it the connection is closed, and its upstream with it
 * @param maxConnections open downstream connections of the process; more are closed at accept
 * @param maxConnectionsPerIp open downstream connections of one client address (0 = off)
 * @param maxTlsHandshakes TLS handshakes in progress on the HTTPS port at once (after the
 *     ClientHello, before the handshake ends); a connection past it is closed right after its
 *     ClientHello was read, so a flood of stalled handshakes cannot hold crypto state and timers
 */
public record Limits(
    int maxHeaderCount,
    long maxBodySize,
    Duration bodyReadTimeout,
    Duration writeTimeout,
    int maxConnections,
    int maxConnectionsPerIp,
    int maxTlsHandshakes) {

  public static final int DEFAULT_MAX_HEADER_COUNT = 100;
  /** 0 = unlimited. */
  public static final long DEFAULT_MAX_BODY_SIZE = 0;
  public static final Duration DEFAULT_BODY_READ_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_CONNECTIONS = 50_000;
  /** 0 = no per-client limit. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 0;
  /**
   * Far above what a healthy port has in flight (a handshake takes one or two round trips), low
   * enough that stalled handshakes cannot pile up to the connection cap.
   */
  public static final int DEFAULT_MAX_TLS_HANDSHAKES = 1_000;

  public static final Limits DEFAULTS = builder().build();

  public Limits {
    if (maxHeaderCount < 1) {
      throw new IllegalArgumentException("maxHeaderCount must be >= 1");
    }
    if (maxBodySize < 0) {
      throw new IllegalArgumentException("maxBodySize must be >= 0 (0 = unlimited)");
    }
    positive(bodyReadTimeout, "bodyReadTimeout");
    positive(writeTimeout, "writeTimeout");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1");
    }
    if (maxConnectionsPerIp < 0) {
      throw new IllegalArgumentException("maxConnectionsPerIp must be >= 0 (0 = off)");
    }
    if (maxTlsHandshakes < 1) {
      throw new IllegalArgumentException("maxTlsHandshakes must be >= 1");
    }
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxHeaderCount(maxHeaderCount)
        .maxBodySize(maxBodySize)
        .bodyReadTimeout(bodyReadTimeout)
        .writeTimeout(writeTimeout)
        .maxConnections(maxConnections)
        .maxConnectionsPerIp(maxConnectionsPerIp)
        .maxTlsHandshakes(maxTlsHandshakes);
  }

  /** Builder with the named defaults above. */
  public static final class Builder {
    private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
    private long maxBodySize = DEFAULT_MAX_BODY_SIZE;
    private Duration bodyReadTimeout = DEFAULT_BODY_READ_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
    private int maxTlsHandshakes = DEFAULT_MAX_TLS_HANDSHAKES;

    public Builder maxHeaderCount(int v) { maxHeaderCount = v; return this; }
    public Builder maxBodySize(long v) { maxBodySize = v; return this; }
    public Builder bodyReadTimeout(Duration v) { bodyReadTimeout = v; return this; }
    public Builder writeTimeout(Duration v) { writeTimeout = v; return this; }
    public Builder maxConnections(int v) { maxConnections = v; return this; }
    public Builder maxConnectionsPerIp(int v) { maxConnectionsPerIp = v; return this; }
    public Builder maxTlsHandshakes(int v) { maxTlsHandshakes = v; return this; }

    public Limits build() {
      return new Limits(
          maxHeaderCount, maxBodySize, bodyReadTimeout, writeTimeout, maxConnections,
          maxConnectionsPerIp, maxTlsHandshakes);
    }
  }
}
