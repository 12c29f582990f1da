package dev.sluice.dataplane.snapshot;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * JWT validation of requests and a claim-to-header mapping.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no JWT validation. The data
 * plane compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 *
 * @param keySet the verification keys as a JWK set (JSON), from a Secret: HMAC keys become {@code
 *     oct} keys, PEM public keys become RSA/EC keys; {@code null} when {@code jwksUrl} is set
 * @param jwksUrl where to fetch the JWK set (http or https), {@code null} when {@code keySet} is set
 * @param issuer the required {@code iss}, or {@code null} for any
 * @param audiences the token's {@code aud} must contain one of these; empty for any
 * @param clockSkew tolerance for {@code exp} and {@code nbf}
 * @param claimHeaders claims copied into request headers (client-sent copies are removed first)
 * @param cookie a cookie to take the token from when there is no {@code Authorization: Bearer}
 * @param queryParam a query parameter to take the token from, after the header and the cookie
 */
public record JwtPolicy(
    String keySet,
    URI jwksUrl,
    String issuer,
    List<String> audiences,
    Duration clockSkew,
    List<ClaimHeader> claimHeaders,
    String cookie,
    String queryParam) {
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
  public static final JwtPolicy NONE =
      new JwtPolicy(null, null, null, List.of(), Duration.ZERO, List.of(), null, null);

  public JwtPolicy {
    audiences = List.copyOf(audiences);
    claimHeaders = List.copyOf(claimHeaders);
    Objects.requireNonNull(clockSkew, "clockSkew");
    if (clockSkew.isNegative()) {
      throw new IllegalArgumentException("JWT clock skew is negative: " + clockSkew);
    }
    if (keySet != null && jwksUrl != null) {
      throw new IllegalArgumentException("JWT keys from both a Secret and a JWKS URL");
    }
    if (jwksUrl != null) {
      String scheme = jwksUrl.getScheme() == null ? "" : jwksUrl.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || jwksUrl.getHost() == null) {
        throw new IllegalArgumentException("JWKS URL must be http(s)://host/...: " + jwksUrl);
      }
    }
    boolean configured = keySet != null || jwksUrl != null;
    if (!configured
        && (issuer != null || !audiences.isEmpty() || !claimHeaders.isEmpty() || cookie != null
            || queryParam != null)) {
      throw new IllegalArgumentException("JWT settings given without keys (a Secret or a JWKS URL)");
    }
  }

  /** Whether the route has no JWT validation (nothing to compile, nothing to show). */
  public boolean isNone() {
    return keySet == null && jwksUrl == null;
  }

  /**
   * One claim copied into one request header.
   *
   * @param claim top-level claim name, e.g. {@code sub}
   * @param header header name, e.g. {@code X-User}
   */
  public record ClaimHeader(String claim, String header) {
    public ClaimHeader {
      if (claim == null || claim.isBlank() || header == null || !isToken(header)) {
        throw new IllegalArgumentException("bad claim-to-header pair: " + claim + ":" + header);
      }
    }

    /** Whether {@code s} is an HTTP field name (RFC 9110 token). */
    public static boolean isToken(String s) {
      if (s.isEmpty()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }
}
