package dev.sluice.controller;

import dev.sluice.controller.translate.Durations;
import dev.sluice.dataplane.server.Limits;
import dev.sluice.dataplane.server.ServerSettings;
import java.time.Duration;
import java.util.Locale;

/**
 * The hardening flags: limits and timeouts against hostile clients (docs/limits.md), parsed into
 * the {@link ServerSettings} fields and {@link Limits} they set.
 *
 * @param requestHeaderTimeout {@code --request-header-timeout}
 * @param idleTimeout {@code --idle-timeout}
 * @param maxRequestLine {@code --max-request-line}
 * @param maxHeaderSize {@code --max-header-size}
 * @param limits {@code --max-header-count}, {@code --max-body-size}, {@code --body-read-timeout},
 *     {@code --write-timeout}, {@code --max-connections}, {@code --max-connections-per-ip},
 *     {@code --max-tls-handshakes}
 */
public record LimitFlags(
    Duration requestHeaderTimeout,
    Duration idleTimeout,
    int maxRequestLine,
    int maxHeaderSize,
    Limits limits) {

  public static final String USAGE =
      """
      Limits (docs/limits.md):
        --request-header-timeout D  time to send a complete request head; 408 after (default 10s)
        --idle-timeout D        keep-alive connection idle between requests (default 60s)
        --max-request-line N    bytes of the request line; 414 above (default 8192)
        --max-header-size N     bytes of all header lines; 431 above (default 16384)
        --max-header-count N    header lines; 431 above (default 100)
        --max-body-size SIZE    bytes of a request body, e.g. 10m or 1g; 413 above (default 0:
                                unlimited)
        --body-read-timeout D   wait for request body bytes; 408 after (default 60s)
        --write-timeout D       a client not reading its response is cut after (default 60s)
        --max-connections N     open client connections; more are closed at accept (default 50000)
        --max-connections-per-ip N
                                open connections per client address (default 0: no limit)
        --max-tls-handshakes N  TLS handshakes in progress; more are closed after the ClientHello
                                (default 1000)
      """;

  public static LimitFlags defaults() {
    return new LimitFlags(
        ServerSettings.DEFAULT_REQUEST_HEADER_TIMEOUT,
        ServerSettings.DEFAULT_IDLE_TIMEOUT,
        ServerSettings.DEFAULT_MAX_INITIAL_LINE_LENGTH,
        ServerSettings.DEFAULT_MAX_HEADER_SIZE,
        Limits.DEFAULTS);
  }

  /** This with one more flag applied. */
  LimitFlags with(String name, String value) throws Flags.UsageException {
    Limits.Builder l = limits.toBuilder();
    Duration header = requestHeaderTimeout;
    Duration idle = idleTimeout;
    int line = maxRequestLine;
    int headers = maxHeaderSize;
    switch (name) {
      case "--request-header-timeout" -> header = duration(name, value);
      case "--idle-timeout" -> idle = duration(name, value);
      case "--max-request-line" -> line = (int) number(name, value, 256, 1 << 20);
      case "--max-header-size" -> headers = (int) number(name, value, 1024, 1 << 20);
      case "--max-header-count" -> l.maxHeaderCount((int) number(name, value, 1, 10_000));
      case "--max-body-size" -> l.maxBodySize(size(name, value));
      case "--body-read-timeout" -> l.bodyReadTimeout(duration(name, value));
      case "--write-timeout" -> l.writeTimeout(duration(name, value));
      case "--max-connections" -> l.maxConnections((int) number(name, value, 1, 10_000_000));
      case "--max-connections-per-ip" ->
          l.maxConnectionsPerIp((int) number(name, value, 0, 10_000_000));
      case "--max-tls-handshakes" -> l.maxTlsHandshakes((int) number(name, value, 1, 10_000_000));
      default -> throw new Flags.UsageException("unknown flag " + name);
    }
    return new LimitFlags(header, idle, line, headers, l.build());
  }

  /** Sets these limits on {@code builder}. */
  ServerSettings.Builder applyTo(ServerSettings.Builder builder) {
    return builder
        .requestHeaderTimeout(requestHeaderTimeout)
        .idleTimeout(idleTimeout)
        .maxInitialLineLength(maxRequestLine)
        .maxHeaderSize(maxHeaderSize)
        .limits(limits);
  }

  private static Duration duration(String name, String value) throws Flags.UsageException {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new Flags.UsageException(name + " must be a duration such as 30s, not \"" + value + "\"");
    }
  }

  private static long number(String name, String value, long min, long max)
      throws Flags.UsageException {
    try {
      long n = Long.parseLong(value.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Flags.UsageException(
        name + " must be a number " + min + ".." + max + ", not \"" + value + "\"");
  }

  /** Bytes with an optional binary suffix: 512, 64k, 10m, 1g (KiB, MiB, GiB); 0 = unlimited. */
  static long size(String name, String value) throws Flags.UsageException {
    String v = value.strip().toLowerCase(Locale.ROOT);
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        default -> shift = -1;
      }
    }
    String digits = shift > 0 ? v.substring(0, v.length() - 1) : v;
    try {
      long n = Long.parseLong(digits);
      if (n >= 0 && n <= (Long.MAX_VALUE >> Math.max(shift, 0))) {
        return n << Math.max(shift, 0);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Flags.UsageException(
        name + " must be a size such as 1048576, 64k, 10m or 1g (0: unlimited), not \"" + value + "\"");
  }
}
