package dev.sluice.dataplane.policy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The plain-HTTP answer for routes with {@code sslRedirect}: {@code 301} for GET and HEAD, {@code
 * 308} for other methods (so a POST stays a POST with its body, as ingress-nginx does with {@code
 * 308} for non-GET), with {@code Location: https://host[:port]/path?query}. The host and port of
 * the request are replaced by the HTTPS port (left out when it is 443); path and query are kept
 * byte for byte.
 *
 * <p>Not redirected: {@code /.well-known/acme-challenge/...} (HTTP-01 validation must reach its
 * token over plain HTTP), and requests without a usable host name (HTTP/1.0 without Host) — those
 * are proxied as usual.
 *
 * <p>Stateless.
 */
final class HttpsRedirect {
  static final String ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

  private HttpsRedirect() {}

  /** The redirect for {@code request}, or {@code null} when it must not be redirected. */
  static FullHttpResponse response(HttpRequest request, int httpsPort) {
    String uri = request.uri();
    String pathAndQuery;
    String host;
    if (uri.startsWith("/")) {
      pathAndQuery = uri;
      host = hostOnly(request.headers().get(HttpHeaderNames.HOST));
    } else {
      // absolute form (RFC 9112 3.2.2): the target's authority wins over the Host header
      int scheme = uri.indexOf("://");
      if (scheme < 0) {
        return null; // "*" (OPTIONS) or authority form (CONNECT): nothing to redirect to
      }
      int slash = uri.indexOf('/', scheme + 3);
      int query = uri.indexOf('?', scheme + 3);
      int end = slash >= 0 ? slash : query >= 0 ? query : uri.length();
      if (query >= 0 && query < end) {
        end = query;
      }
      host = hostOnly(uri.substring(scheme + 3, end));
      String rest = uri.substring(end);
      pathAndQuery = rest.startsWith("/") ? rest : "/" + rest;
    }
    if (host == null || pathAndQuery.startsWith(ACME_CHALLENGE_PREFIX)) {
      return null;
    }
    StringBuilder location = new StringBuilder(16 + host.length() + pathAndQuery.length());
    location.append("https://").append(host);
    if (httpsPort != 443) {
      location.append(':').append(httpsPort);
    }
    location.append(pathAndQuery);
    HttpMethod m = request.method();
    HttpResponseStatus status =
        m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)
            ? HttpResponseStatus.MOVED_PERMANENTLY
            : HttpResponseStatus.PERMANENT_REDIRECT;
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.LOCATION, location.toString());
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }

  /**
   * The host of a Host header or authority without port and userinfo; IPv6 keeps its brackets.
   * {@code null} when empty or when it holds characters that have no place in a host (so a
   * hostile Host header cannot inject into Location).
   */
  static String hostOnly(String authority) {
    if (authority == null) {
      return null;
    }
    String a = authority.strip();
    int at = a.lastIndexOf('@');
    if (at >= 0) {
      a = a.substring(at + 1);
    }
    String host;
    if (a.startsWith("[")) {
      int close = a.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = a.substring(0, close + 1);
    } else {
      int colon = a.indexOf(':');
      host = colon >= 0 ? a.substring(0, colon) : a;
    }
    if (host.isEmpty()) {
      return null;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
      if (!ok) {
        return null;
      }
    }
    return host;
  }
}
