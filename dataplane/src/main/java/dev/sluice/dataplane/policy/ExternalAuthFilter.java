package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.AccessPolicy.ExternalAuth;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import io.netty.handler.codec.http.DefaultHttpHeaders;
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
 * its callbacks run on that event loop ({@link AuthCall}). Immutable; shared by every event loop.
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
  }

  @Override
  public void onRequest(FilterExchange x) {
    new AuthCall(this, x, subrequestHeaders(x)).start();
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
