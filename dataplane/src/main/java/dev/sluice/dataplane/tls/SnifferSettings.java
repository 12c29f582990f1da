package dev.sluice.dataplane.tls;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits for {@link ClientHelloSniffer}. Immutable; validated once.
 *
 * @param maxClientHelloLength the largest ClientHello handshake message accepted, in bytes (TLS
 *     records headers come on top: at most {@link #maxBufferedBytes()} are held per connection)
 * @param timeout how long a connection may take to deliver its whole ClientHello
 * @param minimumClientVersion the oldest protocol a client may offer as its best, e.g. {@link
 *     ClientHelloInfo#TLS_1_2}: SSLv3 / TLS 1.0-only clients are refused before any handshake
 */
public record SnifferSettings(int maxClientHelloLength, Duration timeout, int minimumClientVersion) {

  public static final int DEFAULT_MAX_CLIENT_HELLO_LENGTH = 16 * 1024;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MINIMUM_CLIENT_VERSION = ClientHelloInfo.TLS_1_2;

  /** Slack for record headers when a ClientHello is split over many records. */
  private static final int RECORD_OVERHEAD_ALLOWANCE = 1024;

  public SnifferSettings {
    if (maxClientHelloLength < 64 || maxClientHelloLength > 1 << 20) {
      throw new IllegalArgumentException(
          "maxClientHelloLength must be 64..1048576, was " + maxClientHelloLength);
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (minimumClientVersion < ClientHelloInfo.SSL_3_0
        || minimumClientVersion > ClientHelloInfo.TLS_1_3) {
      throw new IllegalArgumentException(
          "minimumClientVersion must be 0x0300..0x0304, was 0x"
              + Integer.toHexString(minimumClientVersion));
    }
  }

  /** 16 KiB, 10 s, TLS 1.2. */
  public static SnifferSettings defaults() {
    return new SnifferSettings(
        DEFAULT_MAX_CLIENT_HELLO_LENGTH, DEFAULT_TIMEOUT, DEFAULT_MINIMUM_CLIENT_VERSION);
  }

  /** The most bytes a connection may have buffered before its ClientHello is complete. */
  public int maxBufferedBytes() {
    return maxClientHelloLength + 4 + RECORD_OVERHEAD_ALLOWANCE;
  }
}
