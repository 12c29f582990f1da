package dev.sluice.dataplane.snapshot;

import java.util.Locale;
import java.util.Set;

/**
 * Syntax checks for header names and values the policies put on requests and responses, so a
 * configured value can never split a header or inject another (no CR, LF or other control bytes).
 *
 * <p>Stateless.
 */
public final class HeaderValues {
  /**
   * Connection-level headers (RFC 9110 7.6.1) and framing: a policy may not set, add or remove
   * them; the proxy owns them.
   */
  public static final Set<String> RESERVED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "content-length",
          "host");

  private HeaderValues() {}

  /** An RFC 9110 token: the characters a header name may hold. */
  public static boolean isValidName(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Visible ASCII, space and tab only: no CR, LF, NUL or other control characters, no non-ASCII.
   */
  public static boolean isValidValue(String value) {
    if (value == null) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code name} is one of the {@link #RESERVED} headers, any case. */
  public static boolean isReserved(String name) {
    return RESERVED.contains(name.toLowerCase(Locale.ROOT));
  }
}
