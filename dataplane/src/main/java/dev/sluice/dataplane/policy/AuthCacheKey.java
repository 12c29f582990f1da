package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.AccessPolicy.AuthCache;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * An {@code auth-cache-key} template, compiled once per snapshot into literal and variable parts
 * and expanded per request (see {@link AuthCache} for the variables). Parts are separated by a NUL
 * in the expansion, so {@code "ab" + "c"} and {@code "a" + "bc"} never share a key. Immutable.
 */
final class AuthCacheKey {
  private final Part[] parts;

  private interface Part {
    void append(FilterExchange x, StringBuilder out);
  }

  AuthCacheKey(String template) {
    List<Part> out = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c != '$') {
        literal.append(c);
        continue;
      }
      int j = i + 1;
      boolean braced = j < template.length() && template.charAt(j) == '{';
      int start = braced ? j + 1 : j;
      int end = start;
      while (end < template.length()
          && (Character.isLetterOrDigit(template.charAt(end)) || template.charAt(end) == '_')) {
        end++;
      }
      if (literal.length() > 0) {
        String text = literal.toString();
        out.add((x, sb) -> sb.append(text));
        literal.setLength(0);
      }
      out.add(variable(template.substring(start, end).toLowerCase(Locale.ROOT)));
      i = braced ? end : end - 1;
    }
    if (literal.length() > 0) {
      String text = literal.toString();
      out.add((x, sb) -> sb.append(text));
    }
    this.parts = out.toArray(Part[]::new);
  }

  /** The key of {@code x}'s request. */
  Sha256Key of(FilterExchange x) {
    StringBuilder sb = new StringBuilder(128);
    for (Part p : parts) {
      p.append(x, sb);
      sb.append('\0');
    }
    return Sha256Key.of(sb.toString());
  }

  private static Part variable(String name) {
    if (name.startsWith("http_")) {
      AsciiString header = AsciiString.of(name.substring(5).replace('_', '-'));
      return (x, sb) -> sb.append(x.request().headers().get(header, ""));
    }
    if (name.startsWith("cookie_")) {
      String cookie = name.substring(7);
      return (x, sb) -> sb.append(cookie(x.request().headers(), cookie));
    }
    return switch (name) {
      case "remote_user" -> (x, sb) -> sb.append(basicUser(x.request().headers()));
      case "remote_addr" -> (x, sb) -> sb.append(x.clientAddress().getHostAddress());
      case "host" -> (x, sb) -> {
        String h = HttpsRedirect.hostOnly(x.request().headers().get(HttpHeaderNames.HOST));
        sb.append(h == null ? "" : h.toLowerCase(Locale.ROOT));
      };
      case "request_uri" -> (x, sb) -> sb.append(x.request().uri());
      case "uri" -> (x, sb) -> sb.append(pathOf(x.request()));
      case "args" -> (x, sb) -> sb.append(queryOf(x.request()));
      case "request_method" -> (x, sb) -> sb.append(x.request().method().name());
      case "scheme" -> (x, sb) -> sb.append(x.tls() ? "https" : "http");
      // the snapshot refuses other names; a stray one expands to nothing
      default -> (x, sb) -> {};
    };
  }

  private static String pathOf(HttpRequest r) {
    String uri = r.uri();
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  private static String queryOf(HttpRequest r) {
    String uri = r.uri();
    int q = uri.indexOf('?');
    return q < 0 ? "" : uri.substring(q + 1);
  }

  /** The value of cookie {@code name} in the Cookie headers, or "". */
  static String cookie(HttpHeaders headers, String name) {
    for (String line : headers.getAll(HttpHeaderNames.COOKIE)) {
      for (String pair : line.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
          return pair.substring(eq + 1).strip();
        }
      }
    }
    return "";
  }

  /** The user of {@code Authorization: Basic}, or "". */
  static String basicUser(HttpHeaders headers) {
    String h = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
      return "";
    }
    try {
      String decoded =
          new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? "" : decoded.substring(0, colon);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}
