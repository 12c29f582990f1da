package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.CorsPolicy;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CORS ({@link CorsPolicy}): as a request filter it answers preflights from allowed origins with
 * 204 (before authentication: browsers send no credentials with a preflight); as a response filter
 * it puts {@code Access-Control-Allow-Origin} (and credentials, expose) on answers to allowed
 * origins. When the origin is echoed rather than {@code *}, {@code Vary: Origin} is added so caches
 * keep the answers apart. Requests without an allowed {@code Origin} pass untouched.
 *
 * <p>Immutable, shared: the allowed origins are compiled once (exact ones in a set, wildcard ones
 * as scheme, suffix and port).
 */
final class CorsFilter implements RequestFilter, ResponseFilter {
  private static final AsciiString ORIGIN_VARY = AsciiString.cached("Origin");
  private static final AsciiString TRUE = AsciiString.cached("true");
  private static final AsciiString STAR = AsciiString.cached("*");

  private final boolean any;
  private final Set<String> exact = new HashSet<>();
  private final List<String[]> wildcards =
      new ArrayList<>(); // {scheme "https://", ".suffix", ":port" or ""}
  private final boolean credentials;
  private final AsciiString methods;
  private final AsciiString headers;
  private final AsciiString expose;
  private final AsciiString maxAge;

  CorsFilter(CorsPolicy p) {
    boolean star = false;
    for (String o : p.allowOrigins()) {
      String lower = o.toLowerCase(Locale.ROOT);
      if (lower.equals("*")) {
        star = true;
      } else if (lower.contains("://*.")) {
        int scheme = lower.indexOf("://") + 3;
        String hostPort = lower.substring(scheme + 1); // ".example.org[:port]"
        int colon = hostPort.lastIndexOf(':');
        boolean port = colon >= 0 && !hostPort.endsWith("]");
        wildcards.add(
            new String[] {
              lower.substring(0, scheme),
              port ? hostPort.substring(0, colon) : hostPort,
              port ? hostPort.substring(colon) : ""
            });
      } else {
        exact.add(lower);
      }
    }
    this.any = star;
    this.credentials = p.allowCredentials();
    this.methods = AsciiString.cached(p.allowMethods());
    this.headers = AsciiString.cached(p.allowHeaders());
    this.expose = p.exposeHeaders().isEmpty() ? null : AsciiString.cached(p.exposeHeaders());
    this.maxAge = AsciiString.cached(Long.toString(p.maxAge().toSeconds()));
  }

  @Override
  public void onRequest(FilterExchange x) {
    HttpHeaders h = x.request().headers();
    String origin = h.get(HttpHeaderNames.ORIGIN);
    if (x.request().method().equals(HttpMethod.OPTIONS)
        && origin != null
        && h.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)
        && allowed(origin)) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
      HttpHeaders rh = r.headers();
      rh.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, methods);
      rh.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, headers);
      rh.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, maxAge);
      // the origin headers are put on by onResponse, which runs on this answer too
      x.respond(r);
      return;
    }
    x.proceed();
  }

  @Override
  public void onResponse(FilterExchange x, HttpResponse response) {
    String origin = x.request().headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null || !allowed(origin)) {
      return;
    }
    HttpHeaders h = response.headers();
    if (any && !credentials) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, STAR);
    } else {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      h.add(HttpHeaderNames.VARY, ORIGIN_VARY);
    }
    if (credentials) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if (expose != null) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, expose);
    }
  }

  boolean allowed(String origin) {
    if (any) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    if (exact.contains(o)) {
      return true;
    }
    for (String[] w : wildcards) {
      if (!o.startsWith(w[0])) {
        continue;
      }
      String hostPort = o.substring(w[0].length());
      if (!w[2].isEmpty()) {
        if (!hostPort.endsWith(w[2])) {
          continue;
        }
        hostPort = hostPort.substring(0, hostPort.length() - w[2].length());
      } else if (hostPort.indexOf(':') >= 0) {
        continue; // a port the pattern does not name
      }
      // at least one label before the suffix: *.example.org does not match example.org
      if (hostPort.length() > w[1].length() && hostPort.endsWith(w[1])) {
        return true;
      }
    }
    return false;
  }
}
