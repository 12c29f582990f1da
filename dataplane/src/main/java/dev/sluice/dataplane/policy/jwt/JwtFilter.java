package dev.sluice.dataplane.policy.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jwt.SignedJWT;
import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.policy.FilterExchange;
import dev.sluice.dataplane.policy.PolicyRuntime;
import dev.sluice.dataplane.policy.RequestFilter;
import dev.sluice.dataplane.snapshot.JwtPolicy;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.AsciiString;
import java.text.ParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;

/**
 * {@code jwt-*}: admits a request only with a valid JWT (signature by a configured key, {@code
 * exp}/{@code nbf} within the clock skew, issuer and audience as required), then copies the chosen
 * claims into request headers. Client-sent copies of those headers are always removed first, so an
 * upstream can trust them.
 *
 * <p>Answers (RFC 6750): no token: 401 {@code WWW-Authenticate: Bearer realm="sluice"} (no error
 * code, as section 3.1 asks for a request without credentials); a bad token: 401 with {@code
 * error="invalid_token"}; no key set could be loaded from the JWKS URL yet: 503 with {@code
 * Retry-After}, because the token may well be valid and a 401 would make clients throw it away.
 *
 * <p>Compiled once per snapshot per route; immutable, shared by every event loop. Signature checks
 * (HMAC, RSA, ECDSA) run on the event loop: they take microseconds. Only a JWKS fetch is
 * asynchronous, and its completion hops back to the request's event loop.
 */
public final class JwtFilter implements RequestFilter {
  static final String REALM = "Bearer realm=\"sluice\"";
  private static final String BEARER = "bearer ";

  private final JwtKeys staticKeys; // from a Secret, or null
  private final JwksSource source; // from a URL, or null
  private final TokenChecks checks;
  private final AsciiString[] headerNames;
  private final String[] claims;
  private final String cookie;
  private final String queryParam;

  private JwtFilter(JwtPolicy p, JwtKeys staticKeys, JwksSource source) {
    this.staticKeys = staticKeys;
    this.source = source;
    this.checks = new TokenChecks(p.issuer(), p.audiences(), p.clockSkew());
    this.headerNames = new AsciiString[p.claimHeaders().size()];
    this.claims = new String[headerNames.length];
    for (int i = 0; i < headerNames.length; i++) {
      headerNames[i] = AsciiString.cached(p.claimHeaders().get(i).header());
      claims[i] = p.claimHeaders().get(i).claim();
    }
    this.cookie = p.cookie();
    this.queryParam = p.queryParam();
  }

  /**
   * Compiles {@code p}: a Secret's key set is parsed here, once; a JWKS URL is looked up in (and
   * kept by) {@code runtime}. A key set that cannot be parsed (the translator checks it, so only a
   * hand-made snapshot has one) fails closed: every token is refused.
   */
  public static JwtFilter compile(JwtPolicy p, PolicyRuntime runtime) {
    if (p.jwksUrl() != null) {
      return new JwtFilter(p, null, runtime.jwks().source(p.jwksUrl()));
    }
    JwtKeys keys;
    try {
      keys = JwtKeys.parse(p.keySet());
    } catch (ParseException e) {
      LoggerFactory.getLogger(JwtFilter.class)
          .warn("JWT key set is not a JWK set ({}); every token is refused", e.getMessage());
      keys = JwtKeys.EMPTY;
    }
    return new JwtFilter(p, keys, null);
  }

  @Override
  public void onRequest(FilterExchange x) {
    HttpHeaders headers = x.request().headers();
    for (AsciiString h : headerNames) {
      headers.remove(h); // before anything else: a rejected request must not leave them either
    }
    String token = token(x);
    if (token == null) {
      x.respond(unauthorized(x, null));
      return;
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      x.respond(unauthorized(x, "malformed token"));
      return;
    }
    JwtKeys keys = staticKeys != null ? staticKeys : source.keys();
    if (keys == null) {
      whenLoaded(x, source.load(), jwt, false);
      return;
    }
    check(x, jwt, keys, true);
  }

  private void check(FilterExchange x, SignedJWT jwt, JwtKeys keys, boolean mayRefetch) {
    String kid = jwt.getHeader().getKeyID();
    List<JwtKeys.Entry> candidates = keys.candidates(kid, jwt.getHeader().getAlgorithm());
    if (candidates.isEmpty()) {
      if (mayRefetch && source != null && kid != null && !keys.hasKid(kid)) {
        // maybe the issuer rotated its keys: one refetch, rate-limited by the source
        CompletableFuture<JwtKeys> refetch = source.refetchForUnknownKid();
        if (refetch != null) {
          whenLoaded(x, refetch, jwt, true);
          return;
        }
      }
      x.respond(unauthorized(x, "no key for this token"));
      return;
    }
    if (!verified(jwt, candidates)) {
      x.respond(unauthorized(x, "bad signature"));
      return;
    }
    String problem = checks.problem(jwt);
    if (problem != null) {
      x.respond(unauthorized(x, problem));
      return;
    }
    if (headerNames.length > 0) {
      TokenChecks.copyClaims(jwt, claims, headerNames, x.request().headers());
    }
    x.proceed();
  }

  private void whenLoaded(
      FilterExchange x, CompletableFuture<JwtKeys> loading, SignedJWT jwt, boolean afterKidMiss) {
    loading.whenComplete(
        (keys, failure) ->
            x.eventLoop()
                .execute(
                    () -> {
                      if (failure == null) {
                        check(x, jwt, keys, false);
                      } else if (afterKidMiss) {
                        x.respond(unauthorized(x, "no key for this token"));
                      } else {
                        x.respond(unavailable(x));
                      }
                    }));
  }

  private static boolean verified(SignedJWT jwt, List<JwtKeys.Entry> candidates) {
    for (JwtKeys.Entry e : candidates) {
      try {
        if (jwt.verify(e.verifier())) {
          return true;
        }
      } catch (JOSEException | IllegalStateException ex) {
        // this key cannot check this token (e.g. an HMAC key too short for HS512): try the next
      }
    }
    return false;
  }

  /** The token from {@code Authorization: Bearer}, else the cookie, else the query parameter. */
  private String token(FilterExchange x) {
    HttpHeaders headers = x.request().headers();
    String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String t = auth.substring(BEARER.length()).trim();
      return t.isEmpty() ? null : t;
    }
    if (cookie != null) {
      for (String line : headers.getAll(HttpHeaderNames.COOKIE)) {
        for (Cookie c : ServerCookieDecoder.LAX.decodeAll(line)) {
          if (c.name().equals(cookie) && !c.value().isEmpty()) {
            return c.value();
          }
        }
      }
    }
    if (queryParam != null && x.request().uri().indexOf('?') >= 0) {
      List<String> v = new QueryStringDecoder(x.request().uri()).parameters().get(queryParam);
      if (v != null && !v.isEmpty() && !v.get(0).isEmpty()) {
        return v.get(0);
      }
    }
    return null;
  }

  static FullHttpResponse unauthorized(FilterExchange x, String description) {
    FullHttpResponse r = ErrorResponses.of(HttpResponseStatus.UNAUTHORIZED, x.alloc());
    r.headers()
        .set(
            HttpHeaderNames.WWW_AUTHENTICATE,
            description == null
                ? REALM
                : REALM + ", error=\"invalid_token\", error_description=\"" + description + "\"");
    return r;
  }

  private static FullHttpResponse unavailable(FilterExchange x) {
    FullHttpResponse r = ErrorResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE, x.alloc());
    r.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
    return r;
  }
}
