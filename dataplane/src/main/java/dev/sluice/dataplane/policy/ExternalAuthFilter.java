package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.AccessPolicy.ExternalAuth;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import dev.sluice.dataplane.http.ErrorResponses;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringEncoder;
import java.util.concurrent.ConcurrentHashMap;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.net.URI;
import java.util.List;

/**
 * {@code auth-url}, with ingress-nginx's semantics: before a request goes upstream, a subrequest
 * without body ({@code GET} unless {@code auth-method} says otherwise) asks the auth service,
 * carrying the headers that identify the client and the original request (see {@link
 * #subrequestHeaders}). A 2xx lets the request through, with the auth response's headers named
 * in {@code auth-response-headers} copied into it; 401 and 403 go back to the client with the auth
 * service's {@code WWW-Authenticate}, cookies and body (a 401 becomes a redirect to {@code
 * auth-signin} when that is set); anything else, or no answer within the timeout, is a {@code
 * 500}, logged.
 *
 * <p>The subrequest uses the upstream pool of the request's event loop ({@link
 * FilterExchange#upstreamPool()}), so connections to the auth service are kept alive and reused;
 * its callbacks run on that event loop ({@link AuthCall}). With {@code auth-cache-key}, verdicts
 * whose status {@code auth-cache-duration} names are remembered for its duration, keyed by the
 * SHA-256 of the expanded key (tokens in it are not kept), in a bounded map that belongs to this
 * snapshot. Immutable but for that concurrent map; shared by every event loop.
 */
final class ExternalAuthFilter implements RequestFilter {
  static final AsciiString X_ORIGINAL_URL = AsciiString.cached("x-original-url");
  static final AsciiString X_ORIGINAL_METHOD = AsciiString.cached("x-original-method");
  static final AsciiString X_AUTH_REQUEST_REDIRECT = AsciiString.cached("x-auth-request-redirect");
  static final AsciiString X_SENT_FROM = AsciiString.cached("x-sent-from");

  /** Copied from the client's request when present. */
  private static final AsciiString[] FORWARDED = {
    HttpHeaderNames.AUTHORIZATION,
    HttpHeaderNames.COOKIE,
    HttpHeaderNames.USER_AGENT,
    AsciiString.cached("x-forwarded-for"),
    AsciiString.cached("x-forwarded-host"),
    AsciiString.cached("x-forwarded-proto"),
    AsciiString.cached("x-forwarded-port"),
    AsciiString.cached("x-real-ip"),
    AsciiString.cached("x-request-id"),
  };

  final ExternalAuth config;
  final Endpoint endpoint;
  final HttpMethod method;
  final String target;
  final String hostHeader;
  final AsciiString[] responseHeaders;
  final String signin;
  final UpstreamTlsClient tls; // null: plain http
  /** auth-cache-key, compiled; null: no caching. */
  private final AuthCacheKey cacheKey;
  /** Remembered verdicts of this snapshot (bounded by {@link #MAX_CACHED}). */
  private final ConcurrentHashMap<Sha256Key, AuthVerdict> verdicts = new ConcurrentHashMap<>();

  static final int MAX_CACHED = 10_000;

  ExternalAuthFilter(ExternalAuth config, PolicyRuntime runtime) {
    this.config = config;
    this.tls = config.tls() == null ? null : runtime.authTlsClient(config.tls());
    this.endpoint = config.endpoint();
    this.method = HttpMethod.valueOf(config.method());
    this.target = config.pathAndQuery();
    URI u = config.url();
    this.hostHeader = u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
    List<String> names = config.responseHeaders();
    this.responseHeaders = new AsciiString[names.size()];
    for (int i = 0; i < names.size(); i++) {
      responseHeaders[i] = AsciiString.of(names.get(i).toLowerCase(java.util.Locale.ROOT));
    }
    this.signin = config.signin();
    this.cacheKey = config.cache() == null ? null : new AuthCacheKey(config.cache().key());
  }

  @Override
  public void onRequest(FilterExchange x) {
    Sha256Key key = null;
    if (cacheKey != null) {
      key = cacheKey.of(x);
      AuthVerdict v = verdicts.get(key);
      if (v != null && v.fresh(System.nanoTime())) {
        apply(x, v);
        return;
      }
    }
    new AuthCall(this, x, subrequestHeaders(x), key).start();
  }

  /** Remembers {@code v} under {@code key} when caching is on and its status is one to keep. */
  void remember(Sha256Key key, AuthVerdict v) {
    if (key == null || !config.cache().statuses().contains(v.status())) {
      return;
    }
    if (verdicts.size() >= MAX_CACHED) {
      verdicts.clear(); // bounded: a flood of distinct keys only costs extra subrequests
    }
    verdicts.put(key, v.expiringAt(System.nanoTime() + config.cache().ttl().toNanos()));
  }

  /**
   * Lets the request through or answers it, as the auth service decided: 2xx proceeds with the
   * named headers set on the request, 401 redirects to {@code auth-signin} when set, 401 and 403
   * are passed on, anything else is a 500 (the call logged why).
   */
  void apply(FilterExchange x, AuthVerdict v) {
    int status = v.status();
    if (status >= 200 && status < 300) {
      HttpHeaders upstream = x.request().headers();
      // as ingress-nginx: a named header the auth service did not send is removed, so a client
      // can never supply it itself
      for (AsciiString name : responseHeaders) {
        upstream.remove(name);
      }
      for (var h : v.headers()) {
        upstream.add(h.getKey(), h.getValue());
      }
      x.proceed();
    } else if (status == 401 && signin != null) {
      x.respond(signinRedirect(x));
    } else if (status == 401 || status == 403) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(status),
              v.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(v.body()));
      for (var h : v.headers()) {
        r.headers().add(h.getKey(), h.getValue());
      }
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, v.body().length);
      x.respond(r);
    } else {
      x.respond(ErrorResponses.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, x.alloc()));
    }
  }

  /** {@code 302} to {@code auth-signin}, with {@code rd=} the original URL as ingress-nginx does. */
  private FullHttpResponse signinRedirect(FilterExchange x) {
    String location = signin;
    if (!location.contains("rd=")) {
      QueryStringEncoder q = new QueryStringEncoder("");
      q.addParam("rd", originalUrl(x));
      String encoded = q.toString().substring(1); // "rd=..."
      location = location + (location.indexOf('?') >= 0 ? "&" : "?") + encoded;
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }

  /**
   * What the auth service sees: its own Host, the client's credentials (Authorization, Cookie),
   * the forwarded headers Sluice derived (X-Forwarded-*, X-Real-IP), and the original request as
   * {@code X-Original-URL} / {@code X-Original-Method}, as ingress-nginx sends them.
   */
  HttpHeaders subrequestHeaders(FilterExchange x) {
    HttpRequest req = x.request();
    HttpHeaders from = req.headers();
    HttpHeaders h = new DefaultHttpHeaders();
    h.set(HttpHeaderNames.HOST, hostHeader);
    for (AsciiString name : FORWARDED) {
      List<String> values = from.getAll(name);
      if (!values.isEmpty()) {
        h.set(name, values);
      }
    }
    String originalUrl = originalUrl(x);
    h.set(X_ORIGINAL_URL, originalUrl);
    h.set(X_ORIGINAL_METHOD, req.method().name());
    h.set(X_AUTH_REQUEST_REDIRECT, req.uri());
    h.set(X_SENT_FROM, "sluice");
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    }
    return h;
  }

  /** {@code scheme://host/uri} of the client's request. */
  static String originalUrl(FilterExchange x) {
    HttpRequest req = x.request();
    String uri = req.uri();
    if (!uri.startsWith("/")) {
      return uri; // absolute form already
    }
    String host = req.headers().get(HttpHeaderNames.HOST, "");
    return (x.tls() ? "https://" : "http://") + host + uri;
  }
}
