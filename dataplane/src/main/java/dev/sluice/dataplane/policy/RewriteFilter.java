package dev.sluice.dataplane.policy;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.sluice.dataplane.routing.RegexPath;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RewritePolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rewrite-target}, {@code upstream-vhost} and {@code x-forwarded-prefix} on the request as
 * it goes upstream. The target is parsed once into literal pieces and group references; the query
 * of the request is kept.
 *
 * <ul>
 *   <li>prefix rewrite (no {@code use-regex}): the part of the path the route matched is replaced
 *       by the target: route {@code /api}, target {@code /v2}: {@code /api/x?q} becomes {@code
 *       /v2/x?q}, {@code /api} becomes {@code /v2}; a slash is not doubled where they join;
 *   <li>regex rewrite ({@code use-regex}; for the Ingress's Exact and Prefix paths too, read as
 *       literal expressions): the whole path becomes the target with {@code $1}..{@code $9}
 *       replaced by what the route's expression captured (an unmatched group is empty), as nginx's
 *       {@code rewrite ... break} does.
 * </ul>
 *
 * Immutable, shared.
 */
final class RewriteFilter implements RequestFilter {
  private static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-prefix");

  private final String target;
  private final int prefixLength; // prefix rewrite: chars of the path the route matched
  private final Pattern pattern; // regex rewrite
  private final Object[] pieces; // regex rewrite: String literals and Integer group numbers
  private final String upstreamVhost;
  private final String forwardedPrefix;

  RewriteFilter(HttpRoute route, RewritePolicy p) {
    this.target = p.target();
    this.upstreamVhost = p.upstreamVhost();
    this.forwardedPrefix = p.forwardedPrefix();
    boolean regexPath = p.regex() && route.pathType() == HttpRoute.PathType.IMPLEMENTATION_SPECIFIC;
    // with use-regex every path of the Ingress rewrites the nginx way (the whole path replaced);
    // an Exact or Prefix path is then a literal expression, so its $n are empty
    String path = route.path();
    if (route.pathType() != HttpRoute.PathType.EXACT) {
      int end = path.length();
      while (end > 0 && path.charAt(end - 1) == '/') {
        end--;
      }
      path = path.substring(0, end); // "/api/" matches "/api" too (element-wise prefix)
    }
    this.prefixLength = path.length();
    this.pattern =
        target == null || !p.regex()
            ? null
            : regexPath ? RegexPath.compile(route.path()) : Pattern.compile(Pattern.quote(path));
    this.pieces = pattern != null ? pieces(target) : null;
  }

  /**
   * {@code /a/$1/b$2} to {@code ["/a/", 1, "/b", 2]}; {@code $} not followed by a digit is literal.
   */
  static Object[] pieces(String target) {
    List<Object> out = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '$' && i + 1 < target.length() && Character.isDigit(target.charAt(i + 1))) {
        if (!lit.isEmpty()) {
          out.add(lit.toString());
          lit.setLength(0);
        }
        out.add(target.charAt(++i) - '0');
      } else {
        lit.append(c);
      }
    }
    if (!lit.isEmpty()) {
      out.add(lit.toString());
    }
    return out.toArray();
  }

  @Override
  public void onRequest(FilterExchange x) {
    HttpRequest request = x.request();
    HttpHeaders headers = request.headers();
    if (target != null) {
      String uri = request.uri();
      int start = RequestPaths.pathStart(uri);
      int end = RequestPaths.pathEnd(uri, start);
      String rest = uri.substring(end); // ?query (a #fragment is not sent by clients)
      String newPath =
          pattern != null ? regexPath(uri.substring(start, end)) : prefixPath(uri, start, end);
      if (newPath != null) {
        request.setUri(newPath + rest);
      }
    }
    if (upstreamVhost != null) {
      headers.set(HttpHeaderNames.HOST, upstreamVhost);
    }
    if (forwardedPrefix != null) {
      headers.set(X_FORWARDED_PREFIX, forwardedPrefix);
    }
    x.proceed();
  }

  private String prefixPath(String uri, int start, int end) {
    int cut = Math.min(start + prefixLength, end);
    String remainder = uri.substring(cut, end);
    if (remainder.startsWith("/") && target.endsWith("/")) {
      return target + remainder.substring(1);
    }
    return target + remainder;
  }

  /** {@code null} when the expression does not match (cannot happen for a route it selected). */
  private String regexPath(String path) {
    Matcher m = pattern.matcher(path);
    if (!m.lookingAt()) {
      return null;
    }
    StringBuilder sb = new StringBuilder(target.length() + path.length());
    for (Object piece : pieces) {
      if (piece instanceof Integer g) {
        if (g <= m.groupCount()) {
          String v = m.group(g);
          if (v != null) {
            sb.append(v);
          }
        }
      } else {
        sb.append((String) piece);
      }
    }
    return sb.toString();
  }
}
