package dev.sluice.dataplane.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;

/**
 * Reads one cookie of a request without decoding the others (no map, no set: this runs per
 * request). Stateless.
 */
final class Cookies {
  private Cookies() {}

  /**
   * The value of the first cookie named {@code name} in the request's {@code Cookie} headers
   * (HTTP/2 may send several), without surrounding double quotes; {@code null} when absent.
   */
  static String value(HttpHeaders headers, String name) {
    Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.COOKIE);
    while (it.hasNext()) {
      String v = value(it.next(), name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The value of {@code name} in one {@code Cookie} header value, or {@code null}. */
  static String value(String header, String name) {
    int n = header.length();
    int i = 0;
    while (i < n) {
      while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
        i++;
      }
      int end = header.indexOf(';', i);
      if (end < 0) {
        end = n;
      }
      if (header.startsWith(name, i)
          && i + name.length() < end
          && header.charAt(i + name.length()) == '=') {
        int from = i + name.length() + 1;
        int to = end;
        while (to > from && (header.charAt(to - 1) == ' ' || header.charAt(to - 1) == '\t')) {
          to--;
        }
        if (to - from >= 2 && header.charAt(from) == '"' && header.charAt(to - 1) == '"') {
          from++;
          to--;
        }
        return header.substring(from, to);
      }
      i = end + 1;
    }
    return null;
  }
}
