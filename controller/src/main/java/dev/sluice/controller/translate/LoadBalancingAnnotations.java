package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.CookieAffinity;
import dev.sluice.dataplane.snapshot.HashKey;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * How an Ingress's backends pick an endpoint: {@code load-balance} ({@code round_robin} default,
 * {@code least_request}, {@code random}, {@code ewma}), {@code upstream-hash-by} (consistent
 * hashing on {@code $http_<header>}, {@code $cookie_<name>}, {@code $remote_addr} or {@code
 * $request_uri}) and cookie affinity ({@code affinity: cookie} with {@code session-cookie-name},
 * {@code -path}, {@code -max-age}, {@code -samesite}, {@code -secure}). The result is kept in
 * {@link TranslationContext#balancing} and applied to each backend group of the Ingress's rules.
 */
final class LoadBalancingAnnotations implements PolicyAnnotation {
  static final String LOAD_BALANCE = "load-balance";
  static final String HASH_BY = "upstream-hash-by";
  static final String AFFINITY = "affinity";
  static final String COOKIE_NAME = "session-cookie-name";
  static final String COOKIE_PATH = "session-cookie-path";
  static final String COOKIE_MAX_AGE = "session-cookie-max-age";
  static final String COOKIE_SAMESITE = "session-cookie-samesite";
  static final String COOKIE_SECURE = "session-cookie-secure";

  /** Larger is harmless (browsers cap Max-Age at 400 days) but no longer a number they all read. */
  private static final long MAX_AGE_LIMIT_SECONDS = Integer.MAX_VALUE;

  /**
   * An Ingress's choices.
   *
   * @param affinity the cookie, or {@code null}
   * @param pathFromRoute the cookie's path is each route's path (no {@code session-cookie-path})
   */
  record Balancing(
      LoadBalancing loadBalancing, HashKey hashBy, CookieAffinity affinity, boolean pathFromRoute) {
    static final Balancing DEFAULT = new Balancing(LoadBalancing.ROUND_ROBIN, null, null, false);

    /** {@code group} picked this way, for a route of path {@code routePath}. */
    BackendGroup apply(BackendGroup group, String routePath) {
      if (equals(DEFAULT)) {
        return group;
      }
      CookieAffinity cookie = affinity;
      if (cookie != null && pathFromRoute) {
        try {
          cookie =
              new CookieAffinity(
                  cookie.name(), routePath, cookie.maxAge(), cookie.sameSite(), cookie.secure());
        } catch (IllegalArgumentException e) {
          // a path no cookie can carry (regex characters): the cookie covers the host, "/"
        }
      }
      return group.withBalancing(loadBalancing, hashBy, cookie);
    }
  }

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    LoadBalancing lb = loadBalance(a);
    HashKey hashBy = hashBy(a);
    CookieAffinity affinity = affinity(a);
    boolean pathFromRoute = affinity != null && a.get(COOKIE_PATH) == null;
    Balancing b = new Balancing(lb, hashBy, affinity, pathFromRoute);
    if (!b.equals(Balancing.DEFAULT)) {
      a.context().balancing.put(a.ingress(), b);
    }
  }

  private static LoadBalancing loadBalance(IngressAnnotations a) throws InvalidAnnotation {
    String v = a.get(LOAD_BALANCE);
    if (v == null) {
      return LoadBalancing.ROUND_ROBIN;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "round_robin" -> LoadBalancing.ROUND_ROBIN;
      case "least_request", "least_conn" -> LoadBalancing.LEAST_REQUEST;
      case "random" -> LoadBalancing.RANDOM;
      case "ewma" -> LoadBalancing.EWMA;
      default ->
          throw a.invalid(LOAD_BALANCE, "must be round_robin, least_request, random or ewma");
    };
  }

  private static HashKey hashBy(IngressAnnotations a) throws InvalidAnnotation {
    String v = a.get(HASH_BY);
    if (v == null) {
      return null;
    }
    try {
      return HashKey.parse(v);
    } catch (IllegalArgumentException e) {
      throw a.invalid(HASH_BY, e.getMessage());
    }
  }

  private static CookieAffinity affinity(IngressAnnotations a) throws InvalidAnnotation {
    String mode = a.get(AFFINITY);
    if (mode == null) {
      return null; // the session-cookie-* ones stay unread: reported as ignored without affinity
    }
    if (!mode.trim().equals("cookie")) {
      throw a.invalid(AFFINITY, "the only affinity is \"cookie\"");
    }
    String name = a.get(COOKIE_NAME);
    name = name == null ? CookieAffinity.DEFAULT_NAME : name.trim();
    String path = a.get(COOKIE_PATH);
    Duration maxAge = maxAge(a);
    CookieAffinity.SameSite sameSite = sameSite(a);
    boolean secure = Booleans.read(a, COOKIE_SECURE, false);
    try {
      CookieAffinity.of(name, "/");
    } catch (IllegalArgumentException e) {
      throw a.invalid(COOKIE_NAME, e.getMessage());
    }
    try {
      return new CookieAffinity(name, path == null ? "/" : path.trim(), maxAge, sameSite, secure);
    } catch (IllegalArgumentException e) {
      throw a.invalid(COOKIE_PATH, e.getMessage());
    }
  }

  private static Duration maxAge(IngressAnnotations a) throws InvalidAnnotation {
    String v = a.get(COOKIE_MAX_AGE);
    if (v == null) {
      return null;
    }
    long seconds;
    try {
      seconds = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw a.invalid(COOKIE_MAX_AGE, "must be a whole number of seconds");
    }
    if (seconds < 0 || seconds > MAX_AGE_LIMIT_SECONDS) {
      throw a.invalid(COOKIE_MAX_AGE, "must be 0.." + MAX_AGE_LIMIT_SECONDS + " seconds");
    }
    return Duration.ofSeconds(seconds);
  }

  private static CookieAffinity.SameSite sameSite(IngressAnnotations a) throws InvalidAnnotation {
    String v = a.get(COOKIE_SAMESITE);
    if (v == null) {
      return null;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "strict" -> CookieAffinity.SameSite.STRICT;
      case "lax" -> CookieAffinity.SameSite.LAX;
      case "none" -> CookieAffinity.SameSite.NONE;
      default -> throw a.invalid(COOKIE_SAMESITE, "must be Strict, Lax or None");
    };
  }
}
