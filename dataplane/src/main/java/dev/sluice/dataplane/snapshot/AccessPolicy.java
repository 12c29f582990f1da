package dev.sluice.dataplane.snapshot;

import dev.sluice.dataplane.http.CompiledCidrs;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Who may use the route: source ranges, basic auth, external auth ({@code auth-url}), rate limits.
 * Each part is {@code null} when the route does not have it.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no access rules. The data plane
 * compiles it into filters once per snapshot ({@code dev.sluice.dataplane.policy.RouteFilters}).
 *
 * @param sourceRanges {@code allow-source-range} / {@code deny-source-range}, or {@code null}
 * @param basicAuth {@code auth-type: basic}, or {@code null}
 * @param externalAuth {@code auth-url}, or {@code null}
 * @param rateLimits {@code limit-rps} / {@code limit-rpm} / {@code limit-connections}, or {@code
 *     null}
 */
public record AccessPolicy(
    SourceRanges sourceRanges,
    BasicAuth basicAuth,
    ExternalAuth externalAuth,
    RateLimits rateLimits) {
  public static final AccessPolicy NONE = new AccessPolicy(null, null, null, null);

  /** Whether the route has no access rules (nothing to compile, nothing to show). */
  public boolean isNone() {
    return this.equals(NONE);
  }

  public AccessPolicy withSourceRanges(SourceRanges v) {
    return new AccessPolicy(v, basicAuth, externalAuth, rateLimits);
  }

  public AccessPolicy withBasicAuth(BasicAuth v) {
    return new AccessPolicy(sourceRanges, v, externalAuth, rateLimits);
  }

  public AccessPolicy withExternalAuth(ExternalAuth v) {
    return new AccessPolicy(sourceRanges, basicAuth, v, rateLimits);
  }

  public AccessPolicy withRateLimits(RateLimits v) {
    return new AccessPolicy(sourceRanges, basicAuth, externalAuth, v);
  }

  /**
   * Client IP lists, checked on the real client address (after PROXY protocol and trusted
   * proxies). A client in {@code deny} is refused; otherwise, when {@code allow} is not empty, a
   * client outside it is refused. Both lists are compiled once, here ({@link CompiledCidrs}).
   *
   * @param allow CIDRs or bare addresses (IPv4 or IPv6); empty: everyone not denied
   * @param deny CIDRs or bare addresses; empty: no one denied
   */
  public record SourceRanges(List<String> allow, List<String> deny) {
    public SourceRanges {
      allow = CompiledCidrs.compile(allow, "source range");
      deny = CompiledCidrs.compile(deny, "source range");
      if (allow.isEmpty() && deny.isEmpty()) {
        throw new IllegalArgumentException("source ranges: allow and deny are both empty");
      }
    }

    /** Whether {@code client} may use the route (deny wins over allow). */
    public boolean permits(java.net.InetAddress client) {
      if (((CompiledCidrs) deny).matches(client)) {
        return false;
      }
      return allow.isEmpty() || ((CompiledCidrs) allow).matches(client);
    }
  }

  /**
   * HTTP basic authentication against htpasswd entries ({@link Htpasswd}).
   *
   * @param realm shown by browsers in the login prompt; no double quotes or control characters
   * @param users user name -> password hash ({@code $2y$}/{@code $2a$}/{@code $2b$} bcrypt,
   *     {@code $apr1$}, {@code {SHA}})
   */
  public record BasicAuth(String realm, Map<String, String> users) {
    public BasicAuth {
      Objects.requireNonNull(realm, "realm");
      for (int i = 0; i < realm.length(); i++) {
        char c = realm.charAt(i);
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
          throw new IllegalArgumentException("auth realm must not hold quotes or control characters");
        }
      }
      users = Map.copyOf(users);
      if (users.isEmpty()) {
        throw new IllegalArgumentException("basic auth: no users");
      }
      users.forEach(Htpasswd::checkEntry);
    }
  }

  /**
   * External authentication ({@code auth-url}): every request is first asked of {@code url}
   * (without its body); a 2xx lets it through, 401 and 403 are returned to the client, anything
   * else (or no answer) is a 500.
   *
   * @param url {@code http://} or {@code https://host[:port]/path[?query]}
   * @param method the subrequest's method ({@code GET} unless {@code auth-method} says otherwise)
   * @param responseHeaders headers copied from a 2xx auth response into the upstream request
   * @param signin where a 401 is redirected to ({@code auth-signin}), or {@code null}: the 401 is
   *     returned as is
   * @param timeout how long the auth service may take to answer (connect included)
   * @param tls for an {@code https} URL: how the auth service's certificate is verified ({@code
   *     null} there means: verified against the default trust store, SNI and name from the URL's
   *     host); must be {@code null} for {@code http}
   * @param cache {@code auth-cache-key} / {@code auth-cache-duration}, or {@code null}: every
   *     request is asked
   */
  public record ExternalAuth(
      URI url,
      String method,
      List<String> responseHeaders,
      String signin,
      Duration timeout,
      UpstreamTls tls,
      AuthCache cache) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public ExternalAuth {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || url.getHost() == null
          || url.getRawUserInfo() != null
          || url.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "auth url must be http(s)://host[:port]/path without user info or fragment: " + url);
      }
      if (scheme.equals("http") && tls != null) {
        throw new IllegalArgumentException("auth url: TLS settings for an http:// URL");
      }
      if (scheme.equals("https") && tls == null) {
        String host = url.getHost();
        tls = new UpstreamTls(true, null, UpstreamTls.isDnsName(host) ? host : null);
      }
      method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
      if (!method.chars().allMatch(c -> c >= 'A' && c <= 'Z') || method.isEmpty()) {
        throw new IllegalArgumentException("auth method must be a token: " + method);
      }
      responseHeaders = List.copyOf(responseHeaders);
      for (String h : responseHeaders) {
        if (h.isEmpty() || !h.chars().allMatch(ExternalAuth::tokenChar)) {
          throw new IllegalArgumentException("not a header name: '" + h + "'");
        }
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("auth timeout must be positive");
      }
    }

    /** Without TLS settings (defaults for {@code https}) and without a cache. */
    public ExternalAuth(
        URI url, String method, List<String> responseHeaders, String signin, Duration timeout) {
      this(url, method, responseHeaders, signin, timeout, null, null);
    }

    /** Without a cache. */
    public ExternalAuth(
        URI url,
        String method,
        List<String> responseHeaders,
        String signin,
        Duration timeout,
        UpstreamTls tls) {
      this(url, method, responseHeaders, signin, timeout, tls, null);
    }

    /** The auth service as an endpoint (port 80, or 443 for https, when the URL has none). */
    public Endpoint endpoint() {
      int port = url.getPort() > 0 ? url.getPort() : tls != null ? 443 : 80;
      String host = url.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return Endpoint.of(host, port);
    }

    /** Path and query of the subrequest. */
    public String pathAndQuery() {
      String p = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      return url.getRawQuery() == null ? p : p + "?" + url.getRawQuery();
    }

    private static boolean tokenChar(int c) {
      return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
  }

  /**
   * Remembered auth verdicts ({@code auth-cache-key}, {@code auth-cache-duration}, as
   * ingress-nginx): requests whose key expands to the same text share the auth service's answer for
   * {@code ttl}, when its status is one of {@code statuses}.
   *
   * @param key text with nginx-style variables: {@code $http_<header>} ({@code _} for {@code -}),
   *     {@code $cookie_<name>}, {@code $remote_user} (the Basic auth user), {@code $remote_addr},
   *     {@code $host}, {@code $request_uri}, {@code $uri}, {@code $args}, {@code $request_method},
   *     {@code $scheme}; anything else is refused
   * @param statuses which answers are remembered (2xx, 401 and 403 only)
   * @param ttl for how long
   */
  public record AuthCache(String key, List<Integer> statuses, Duration ttl) {
    public static final List<String> VARIABLES =
        List.of(
            "remote_user", "remote_addr", "host", "request_uri", "uri", "args", "request_method",
            "scheme");

    public AuthCache {
      Objects.requireNonNull(key, "key");
      statuses = List.copyOf(statuses);
      if (key.isBlank() || variables(key).isEmpty()) {
        throw new IllegalArgumentException("auth cache key must hold at least one $variable");
      }
      for (String v : variables(key)) {
        if (!(VARIABLES.contains(v)
            || (v.startsWith("http_") && v.length() > 5)
            || (v.startsWith("cookie_") && v.length() > 7))) {
          throw new IllegalArgumentException("auth cache key: unsupported variable $" + v);
        }
      }
      if (statuses.isEmpty()) {
        throw new IllegalArgumentException("auth cache: no status to remember");
      }
      for (int st : statuses) {
        if (!((st >= 200 && st < 300) || st == 401 || st == 403)) {
          throw new IllegalArgumentException("auth cache: status " + st + " is not 2xx, 401 or 403");
        }
      }
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("auth cache duration must be positive");
      }
    }

    /** The variable names in {@code key}, in order ({@code $http_x_user} -> {@code http_x_user}). */
    public static List<String> variables(String key) {
      List<String> out = new java.util.ArrayList<>();
      for (int i = 0; i < key.length(); i++) {
        if (key.charAt(i) != '$') {
          continue;
        }
        int j = i + 1;
        boolean braced = j < key.length() && key.charAt(j) == '{';
        if (braced) {
          j++;
        }
        int start = j;
        while (j < key.length() && (Character.isLetterOrDigit(key.charAt(j)) || key.charAt(j) == '_')) {
          j++;
        }
        if (j == start || (braced && (j >= key.length() || key.charAt(j) != '}'))) {
          throw new IllegalArgumentException("auth cache key: a lone '$' at " + i);
        }
        out.add(key.substring(start, j).toLowerCase(Locale.ROOT));
        i = braced ? j : j - 1;
      }
      return out;
    }
  }

  /**
   * Per-client-IP limits of a route, counted across snapshots. A value of 0 switches that limit off.
   *
   * @param rps requests per second (token bucket)
   * @param rpm requests per minute (token bucket)
   * @param burstMultiplier a client may send {@code rate x burstMultiplier} requests at once
   * @param connections requests in flight at once
   */
  public record RateLimits(int rps, int rpm, int burstMultiplier, int connections) {
    public static final int DEFAULT_BURST_MULTIPLIER = 5;
    public static final int MAX_BURST_MULTIPLIER = 1000;
    public static final int MAX_RPS = 1_000_000;
    public static final int MAX_RPM = 60_000_000;
    public static final int MAX_CONNECTIONS = 1_000_000;

    public RateLimits {
      if (rps < 0 || rpm < 0 || connections < 0) {
        throw new IllegalArgumentException("rate limits must not be negative");
      }
      if (burstMultiplier < 1 || burstMultiplier > MAX_BURST_MULTIPLIER) {
        throw new IllegalArgumentException(
            "burst multiplier must be 1.." + MAX_BURST_MULTIPLIER);
      }
      if (rps > MAX_RPS || rpm > MAX_RPM || connections > MAX_CONNECTIONS) {
        throw new IllegalArgumentException(
            "rate limits too large (at most " + MAX_RPS + " rps, " + MAX_RPM + " rpm, "
                + MAX_CONNECTIONS + " connections)");
      }
      if (rps == 0 && rpm == 0 && connections == 0) {
        throw new IllegalArgumentException("rate limits: all limits are 0");
      }
    }
  }
}
