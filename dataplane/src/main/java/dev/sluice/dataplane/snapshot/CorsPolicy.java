package dev.sluice.dataplane.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Cross-origin resource sharing ({@code enable-cors} and the {@code cors-*} family), with
 * ingress-nginx's defaults. A preflight ({@code OPTIONS} with {@code Origin} and {@code
 * Access-Control-Request-Method}) from an allowed origin is answered 204 by Sluice; other requests
 * from an allowed origin get the CORS headers on their response. A request from an origin not
 * allowed gets no CORS headers (the browser then refuses it) and is proxied as usual.
 *
 * @param allowOrigins {@code *}, or origins {@code scheme://host[:port]} where the host may start
 *     with {@code *.} (any subdomain, one or more labels deep)
 * @param allowMethods the {@code Access-Control-Allow-Methods} value of preflight answers
 * @param allowHeaders the {@code Access-Control-Allow-Headers} value of preflight answers
 * @param exposeHeaders the {@code Access-Control-Expose-Headers} value of other answers; empty for
 *     none
 * @param allowCredentials sends {@code Access-Control-Allow-Credentials: true}; with {@code *} the
 *     request's origin is echoed instead of {@code *} (browsers refuse credentials with {@code *})
 * @param maxAge {@code Access-Control-Max-Age} of preflight answers
 */
public record CorsPolicy(
    List<String> allowOrigins,
    String allowMethods,
    String allowHeaders,
    String exposeHeaders,
    boolean allowCredentials,
    Duration maxAge) {
  public static final String DEFAULT_ALLOW_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
  public static final String DEFAULT_ALLOW_HEADERS =
      "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,"
          + "Range,Authorization";
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1728000);

  /** CORS off. */
  public static final CorsPolicy NONE = new CorsPolicy(List.of(), "", "", "", false, Duration.ZERO);

  public CorsPolicy {
    allowOrigins = List.copyOf(allowOrigins);
    Objects.requireNonNull(maxAge, "maxAge");
    for (String v : List.of(allowMethods, allowHeaders, exposeHeaders)) {
      if (!HeaderValues.isValidValue(v)) {
        throw new IllegalArgumentException("CORS header value holds a control character");
      }
    }
    for (String o : allowOrigins) {
      if (!o.equals("*") && !isOrigin(o)) {
        throw new IllegalArgumentException(
            "\""
                + o
                + "\" is not * nor an origin like https://example.org or https://*.example.org");
      }
    }
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException("CORS max age must not be negative");
    }
  }

  /** CORS on with ingress-nginx's defaults: any origin, credentials allowed. */
  public static CorsPolicy defaults() {
    return new CorsPolicy(
        List.of("*"), DEFAULT_ALLOW_METHODS, DEFAULT_ALLOW_HEADERS, "", true, DEFAULT_MAX_AGE);
  }

  /** {@code http(s)://host[:port]}, the host a DNS name, IP literal or {@code *.}-wildcard. */
  public static boolean isOrigin(String o) {
    int scheme = o.indexOf("://");
    if (scheme <= 0) {
      return false;
    }
    String s = o.substring(0, scheme);
    if (!s.equalsIgnoreCase("http") && !s.equalsIgnoreCase("https")) {
      return false;
    }
    String rest = o.substring(scheme + 3);
    if (rest.startsWith("*.")) {
      rest = rest.substring(2);
    }
    if (rest.isEmpty()) {
      return false;
    }
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-'
              || c == ':'
              || c == '['
              || c == ']';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether CORS is off for the route. */
  public boolean isNone() {
    return allowOrigins.isEmpty();
  }
}
