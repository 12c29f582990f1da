package dev.sluice.dataplane.snapshot;

import java.util.Locale;
import java.util.Objects;

/**
 * What a request is hashed on for consistent hashing ({@code upstream-hash-by}), in ingress-nginx's
 * syntax: {@code $http_x_user} (a request header, {@code _} read as {@code -}), {@code
 * $cookie_session} (a cookie), {@code $remote_addr} (the client IP after PROXY protocol and
 * trusted proxies) or {@code $request_uri} (path and query as received).
 *
 * @param source where the key comes from
 * @param name the header name (lower case) or cookie name; empty for the other sources
 */
public record HashKey(Source source, String name) {

  public enum Source {
    HEADER,
    COOKIE,
    CLIENT_IP,
    REQUEST_URI
  }

  public HashKey {
    Objects.requireNonNull(source, "source");
    name = name == null ? "" : name;
    boolean named = source == Source.HEADER || source == Source.COOKIE;
    if (named != !name.isEmpty()) {
      throw new IllegalArgumentException(
          named ? source + " hash key needs a name" : source + " hash key takes no name");
    }
    for (int i = 0; i < name.length(); i++) {
      if (!CookieAffinity.isTokenChar(name.charAt(i))) {
        throw new IllegalArgumentException("not a valid header or cookie name: " + name);
      }
    }
    if (source == Source.HEADER) {
      name = name.toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Parses ingress-nginx's variable syntax.
   *
   * @throws IllegalArgumentException for anything but one of the four supported variables
   */
  public static HashKey parse(String text) {
    String t = text == null ? "" : text.strip();
    if (t.equals("$remote_addr") || t.equals("$binary_remote_addr")) {
      return new HashKey(Source.CLIENT_IP, "");
    }
    if (t.equals("$request_uri")) {
      return new HashKey(Source.REQUEST_URI, "");
    }
    if (t.startsWith("$http_") && t.length() > 6) {
      return new HashKey(Source.HEADER, t.substring(6).replace('_', '-'));
    }
    if (t.startsWith("$cookie_") && t.length() > 8) {
      return new HashKey(Source.COOKIE, t.substring(8));
    }
    throw new IllegalArgumentException(
        "must be one of $http_<header>, $cookie_<name>, $remote_addr or $request_uri");
  }

  /** Back in ingress-nginx's syntax. */
  @Override
  public String toString() {
    return switch (source) {
      case HEADER -> "$http_" + name.replace('-', '_');
      case COOKIE -> "$cookie_" + name;
      case CLIENT_IP -> "$remote_addr";
      case REQUEST_URI -> "$request_uri";
    };
  }
}
