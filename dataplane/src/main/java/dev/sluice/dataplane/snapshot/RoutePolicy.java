package dev.sluice.dataplane.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-route behaviour, parsed once when the snapshot is built. New policies add a typed field here
 * (and a parser in the translator, and one handler in the data plane).
 *
 * @param connectTimeout to open a connection to an endpoint
 * @param responseHeaderTimeout from the request fully sent to the response head received
 * @param upgradedIdleTimeout idle time after which an upgraded (WebSocket) connection is closed
 * @param sslRedirect answer plain HTTP with a redirect to HTTPS (301, 308 for methods other than
 *     GET and HEAD), except {@code /.well-known/acme-challenge/}; the translator sets it for hosts
 *     their Ingress lists under {@code spec.tls} (ingress-nginx's default), so the default is off
 * @param hsts Strict-Transport-Security header added to responses on terminated TLS (never on
 *     plain HTTP, never over an upstream's own), or {@code null} for none
 */
public record RoutePolicy(
    Duration connectTimeout,
    Duration responseHeaderTimeout,
    Duration upgradedIdleTimeout,
    boolean sslRedirect,
    Hsts hsts) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_RESPONSE_HEADER_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_UPGRADED_IDLE_TIMEOUT = Duration.ofHours(1);

  public static final RoutePolicy DEFAULT =
      new RoutePolicy(
          DEFAULT_CONNECT_TIMEOUT,
          DEFAULT_RESPONSE_HEADER_TIMEOUT,
          DEFAULT_UPGRADED_IDLE_TIMEOUT,
          false,
          Hsts.DEFAULT);

  public RoutePolicy {
    positive(connectTimeout, "connectTimeout");
    positive(responseHeaderTimeout, "responseHeaderTimeout");
    positive(upgradedIdleTimeout, "upgradedIdleTimeout");
  }

  /** This policy with {@link #sslRedirect} set to {@code on}. */
  public RoutePolicy withSslRedirect(boolean on) {
    return new RoutePolicy(connectTimeout, responseHeaderTimeout, upgradedIdleTimeout, on, hsts);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  /** Strict-Transport-Security settings. */
  public record Hsts(Duration maxAge, boolean includeSubDomains, boolean preload) {
    public static final Hsts DEFAULT = new Hsts(Duration.ofDays(365), true, false);

    /** The header value, e.g. {@code max-age=31536000; includeSubDomains}. */
    public String headerValue() {
      return "max-age="
          + maxAge.toSeconds()
          + (includeSubDomains ? "; includeSubDomains" : "")
          + (preload ? "; preload" : "");
    }
  }
}
