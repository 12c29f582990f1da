package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.AuthCache;
import dev.sluice.dataplane.snapshot.AccessPolicy.BasicAuth;
import dev.sluice.dataplane.snapshot.AccessPolicy.ExternalAuth;
import dev.sluice.dataplane.snapshot.AccessPolicy.RateLimits;
import dev.sluice.dataplane.snapshot.AccessPolicy.SourceRanges;
import dev.sluice.dataplane.snapshot.Htpasswd;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The access-control annotations ({@link AccessPolicy}), with ingress-nginx's names and value
 * syntax:
 *
 * <ul>
 *   <li>{@code allow-source-range} (ingress-nginx: {@code whitelist-source-range}, {@code
 *       allowlist-source-range}) and {@code deny-source-range} ({@code denylist-source-range}):
 *       comma-separated CIDRs or addresses, IPv4 or IPv6;
 *   <li>{@code auth-type: basic} with {@code auth-secret} ({@code name} or {@code namespace/name}
 *       in the Ingress's namespace), {@code auth-secret-type} ({@code auth-file}: key {@code auth}
 *       holds an htpasswd file, the default; {@code auth-map}: each key is a user, its value the
 *       hash) and {@code auth-realm};
 *   <li>{@code auth-url} ({@code http://} or {@code https://}, verified against the default trust
 *       store), {@code auth-method}, {@code
 *       auth-response-headers} (comma-separated), {@code auth-signin}, {@code auth-cache-key} and
 *       {@code auth-cache-duration} (one "codes... duration" entry, default {@code 200 202 401
 *       5m});
 *   <li>{@code limit-rps}, {@code limit-rpm}, {@code limit-connections}, {@code
 *       limit-burst-multiplier} (default 5).
 * </ul>
 */
final class AccessAnnotations implements PolicyAnnotation {
  static final String ALLOW = "allow-source-range";
  static final String DENY = "deny-source-range";
  static final String AUTH_TYPE = "auth-type";
  static final String AUTH_SECRET = "auth-secret";
  static final String AUTH_SECRET_TYPE = "auth-secret-type";
  static final String AUTH_REALM = "auth-realm";
  static final String AUTH_URL = "auth-url";
  static final String AUTH_METHOD = "auth-method";
  static final String AUTH_RESPONSE_HEADERS = "auth-response-headers";
  static final String AUTH_SIGNIN = "auth-signin";
  static final String AUTH_CACHE_KEY = "auth-cache-key";
  static final String AUTH_CACHE_DURATION = "auth-cache-duration";
  static final String DEFAULT_CACHE_DURATION = "200 202 401 5m";
  static final String LIMIT_RPS = "limit-rps";
  static final String LIMIT_RPM = "limit-rpm";
  static final String LIMIT_CONNECTIONS = "limit-connections";
  static final String LIMIT_BURST = "limit-burst-multiplier";
  static final String DEFAULT_REALM = "Authentication Required";
  static final String AUTH_FILE_KEY = "auth";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    AccessPolicy access = AccessPolicy.NONE;
    access = access.withSourceRanges(sourceRanges(a));
    access = access.withBasicAuth(basicAuth(a));
    access = access.withExternalAuth(externalAuth(a));
    access = access.withRateLimits(rateLimits(a));
    policy.access(access);
  }

  private static SourceRanges sourceRanges(IngressAnnotations a) throws InvalidAnnotation {
    String allow = a.get(ALLOW, "whitelist-source-range", "allowlist-source-range");
    String deny = a.get(DENY, "denylist-source-range");
    List<String> allowList = cidrs(a, ALLOW, allow);
    List<String> denyList = cidrs(a, DENY, deny);
    if (allowList.isEmpty() && denyList.isEmpty()) {
      return null;
    }
    return new SourceRanges(allowList, denyList);
  }

  private static List<String> cidrs(IngressAnnotations a, String name, String value)
      throws InvalidAnnotation {
    if (value == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    if (out.isEmpty()) {
      throw a.invalid(name, "must list at least one CIDR");
    }
    try {
      new SourceRanges(out, List.of());
    } catch (IllegalArgumentException e) {
      throw a.invalid(name, e.getMessage());
    }
    return out;
  }

  private static BasicAuth basicAuth(IngressAnnotations a) throws InvalidAnnotation {
    String type = a.get(AUTH_TYPE);
    String secret = a.get(AUTH_SECRET);
    String secretType = a.get(AUTH_SECRET_TYPE);
    String realm = a.get(AUTH_REALM);
    if (type == null) {
      if (secret != null) {
        throw a.invalid(AUTH_SECRET, "needs auth-type: basic");
      }
      return null;
    }
    if (!type.strip().equalsIgnoreCase("basic")) {
      throw a.invalid(AUTH_TYPE, "must be \"basic\" (digest is not supported)");
    }
    if (secret == null) {
      throw a.invalid(AUTH_TYPE, "needs auth-secret naming the htpasswd Secret");
    }
    boolean map = false;
    if (secretType != null) {
      switch (secretType.strip().toLowerCase(Locale.ROOT)) {
        case "auth-file" -> map = false;
        case "auth-map" -> map = true;
        default -> throw a.invalid(AUTH_SECRET_TYPE, "must be \"auth-file\" or \"auth-map\"");
      }
    }
    Secret s = secret(a, secret);
    Map<String, String> users;
    String where = "Secret " + Resources.namespace(a.ingress()) + "/" + s.getMetadata().getName();
    try {
      users = map ? authMap(s) : Htpasswd.parse(TlsCertificateProcessor.value(s, AUTH_FILE_KEY));
    } catch (IllegalArgumentException e) {
      throw a.invalid(AUTH_SECRET, where + ": " + e.getMessage());
    }
    try {
      return new BasicAuth(realm == null ? DEFAULT_REALM : realm.strip(), users);
    } catch (IllegalArgumentException e) {
      throw a.invalid(AUTH_REALM, e.getMessage());
    }
  }

  private static Map<String, String> authMap(Secret s) {
    Map<String, String> users = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>();
    if (s.getData() != null) {
      keys.addAll(s.getData().keySet());
    }
    if (s.getStringData() != null) {
      keys.addAll(s.getStringData().keySet());
    }
    for (String user : keys) {
      String hash = TlsCertificateProcessor.value(s, user).strip();
      Htpasswd.checkEntry(user, hash);
      users.put(user, hash);
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("holds no user");
    }
    return users;
  }

  /** The Secret {@code value} names, in the Ingress's own namespace. */
  private static Secret secret(IngressAnnotations a, String value) throws InvalidAnnotation {
    String ns = Resources.namespace(a.ingress());
    String ref = value.strip();
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      if (!ref.substring(0, slash).equals(ns)) {
        throw a.invalid(AUTH_SECRET, "the Secret must be in the Ingress's namespace \"" + ns + "\"");
      }
      name = ref.substring(slash + 1);
    }
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      throw a.invalid(AUTH_SECRET, "must be \"name\" or \"namespace/name\"");
    }
    Secret s = a.context().index.secret(ns, name);
    if (s == null) {
      throw a.invalid(AUTH_SECRET, Reason.SecretNotFound, "no Secret " + ns + "/" + name);
    }
    return s;
  }

  private static ExternalAuth externalAuth(IngressAnnotations a) throws InvalidAnnotation {
    String url = a.get(AUTH_URL);
    String method = a.get(AUTH_METHOD);
    String headers = a.get(AUTH_RESPONSE_HEADERS);
    String signin = a.get(AUTH_SIGNIN);
    String cacheKey = a.get(AUTH_CACHE_KEY);
    String cacheDuration = a.get(AUTH_CACHE_DURATION);
    if (url == null) {
      return null;
    }
    AuthCache cache = cacheKey == null ? null : authCache(a, cacheKey, cacheDuration);
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw a.invalid(AUTH_URL, "not a URL (nginx variables such as $host are not supported)");
    }
    if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
        || uri.getHost() == null) {
      throw a.invalid(AUTH_URL,
          "must be http(s)://host[:port]/path (nginx variables such as $host are not supported)");
    }
    List<String> names = new ArrayList<>();
    if (headers != null) {
      for (String h : headers.split(",")) {
        if (!h.isBlank()) {
          names.add(h.strip());
        }
      }
    }
    String signinUrl = null;
    if (signin != null) {
      signinUrl = signin.strip();
      if (!(signinUrl.startsWith("http://") || signinUrl.startsWith("https://") || signinUrl.startsWith("/"))
          || !signinUrl.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw a.invalid(AUTH_SIGNIN, "must be an absolute http(s) URL or a path");
      }
    }
    try {
      return new ExternalAuth(uri, method == null ? "GET" : method.strip(), names, signinUrl,
          ExternalAuth.DEFAULT_TIMEOUT, null, cache);
    } catch (IllegalArgumentException e) {
      String culprit = e.getMessage().startsWith("auth method") ? AUTH_METHOD
          : e.getMessage().startsWith("not a header") ? AUTH_RESPONSE_HEADERS : AUTH_URL;
      throw a.invalid(culprit, e.getMessage());
    }
  }

  /** {@code auth-cache-key} with {@code auth-cache-duration}: "codes... duration" (one entry). */
  private static AuthCache authCache(IngressAnnotations a, String key, String duration)
      throws InvalidAnnotation {
    String d = duration == null ? DEFAULT_CACHE_DURATION : duration.strip();
    String[] words = d.split("\\s+");
    if (d.indexOf(',') >= 0 || words.length < 2) {
      throw a.invalid(AUTH_CACHE_DURATION,
          "must be status codes then one duration, e.g. \"" + DEFAULT_CACHE_DURATION + "\"");
    }
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < words.length - 1; i++) {
      if (!words[i].matches("[0-9]{3}")) {
        throw a.invalid(AUTH_CACHE_DURATION, "'" + words[i] + "' is not a status code");
      }
      statuses.add(Integer.parseInt(words[i]));
    }
    java.time.Duration ttl = nginxTime(words[words.length - 1]);
    if (ttl == null) {
      throw a.invalid(AUTH_CACHE_DURATION,
          "'" + words[words.length - 1] + "' is not a duration of at most 365 days (e.g. 30s, 5m, 1h)");
    }
    try {
      AuthCache.variables(key.strip()); // a lone '$' is reported against the key
      return new AuthCache(key.strip(), statuses, ttl);
    } catch (IllegalArgumentException e) {
      String culprit = e.getMessage().startsWith("auth cache key") ? AUTH_CACHE_KEY
          : AUTH_CACHE_DURATION;
      throw a.invalid(culprit, e.getMessage());
    }
  }

  /**
   * nginx time syntax: a number with ms, s, m, h or d (seconds without a unit); null if not, or if
   * longer than {@link Durations#MAX}.
   */
  static java.time.Duration nginxTime(String v) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)?").matcher(v);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    java.time.Duration d =
        switch (unit) {
          case "ms" -> java.time.Duration.ofMillis(n);
          case "m" -> java.time.Duration.ofMinutes(n);
          case "h" -> java.time.Duration.ofHours(n);
          case "d" -> java.time.Duration.ofDays(n);
          default -> java.time.Duration.ofSeconds(n);
        };
    return d.compareTo(Durations.MAX) > 0 ? null : d; // counted in nanoseconds later
  }

  private static RateLimits rateLimits(IngressAnnotations a) throws InvalidAnnotation {
    int rps = count(a, LIMIT_RPS, 0, RateLimits.MAX_RPS);
    int rpm = count(a, LIMIT_RPM, 0, RateLimits.MAX_RPM);
    int connections = count(a, LIMIT_CONNECTIONS, 0, RateLimits.MAX_CONNECTIONS);
    int burst =
        count(a, LIMIT_BURST, RateLimits.DEFAULT_BURST_MULTIPLIER, RateLimits.MAX_BURST_MULTIPLIER);
    if (burst < 1) {
      throw a.invalid(LIMIT_BURST, "must be at least 1");
    }
    if (rps == 0 && rpm == 0 && connections == 0) {
      return null; // ingress-nginx: 0 means no limit
    }
    return new RateLimits(rps, rpm, burst, connections);
  }

  /** A whole number 0..max; {@code absent} when not set. */
  private static int count(IngressAnnotations a, String name, int absent, int max)
      throws InvalidAnnotation {
    String v = a.get(name);
    if (v == null) {
      return absent;
    }
    String s = v.strip();
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw a.invalid(name, "must be a whole number 0.." + max);
    }
    int n = Integer.parseInt(s);
    if (n > max) {
      throw a.invalid(name, "must be a whole number 0.." + max);
    }
    return n;
  }
}
