package dev.sluice.dataplane.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * Session affinity by cookie ({@code affinity: cookie}): the first response names the endpoint that
 * served it in a cookie; later requests carrying it go to that endpoint while it is ready.
 *
 * @param name the cookie's name (ingress-nginx's default {@value #DEFAULT_NAME})
 * @param path the cookie's {@code Path}
 * @param maxAge the cookie's {@code Max-Age}, or {@code null} for a session cookie
 * @param sameSite the cookie's {@code SameSite}, or {@code null} to leave it out
 * @param secure add {@code Secure} (always added with {@code SameSite=None}, which browsers require)
 */
public record CookieAffinity(
    String name, String path, Duration maxAge, SameSite sameSite, boolean secure) {
  public static final String DEFAULT_NAME = "INGRESSCOOKIE";

  public enum SameSite {
    STRICT("Strict"),
    LAX("Lax"),
    NONE("None");

    private final String text;

    SameSite(String text) {
      this.text = text;
    }

    /** As written in a Set-Cookie header. */
    public String text() {
      return text;
    }
  }

  public CookieAffinity {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("cookie name is empty");
    }
    for (int i = 0; i < name.length(); i++) {
      if (!isTokenChar(name.charAt(i))) {
        throw new IllegalArgumentException("not a valid cookie name: " + name);
      }
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("cookie path must start with /: " + path);
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x21 || c > 0x7e || c == ';') { // RFC 6265 path-value: no CTLs, no ';'
        throw new IllegalArgumentException("not a valid cookie path: " + path);
      }
    }
    if (maxAge != null && maxAge.isNegative()) {
      throw new IllegalArgumentException("cookie max-age is negative: " + maxAge);
    }
  }

  /** A session cookie named {@code name} for {@code path}. */
  public static CookieAffinity of(String name, String path) {
    return new CookieAffinity(name, path, null, null, false);
  }

  /** The attributes after {@code name=value}, e.g. {@code ; Path=/; Max-Age=3600; HttpOnly}. */
  public String attributes() {
    StringBuilder b = new StringBuilder("; Path=").append(path);
    if (maxAge != null) {
      b.append("; Max-Age=").append(maxAge.toSeconds());
    }
    b.append("; HttpOnly");
    if (sameSite != null) {
      b.append("; SameSite=").append(sameSite.text());
    }
    if (secure || sameSite == SameSite.NONE) {
      b.append("; Secure");
    }
    return b.toString();
  }

  /** RFC 7230 {@code tchar}: what header field and cookie names are made of. */
  static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
