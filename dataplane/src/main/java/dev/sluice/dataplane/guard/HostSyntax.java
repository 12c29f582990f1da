package dev.sluice.dataplane.guard;

/**
 * The syntax of a Host header or a target's authority (RFC 9110 7.2, RFC 3986 3.2.2): {@code
 * reg-name} or IPv4 or {@code [IPv6]}, then an optional {@code :port} of digits. No userinfo, no
 * path, no whitespace. Stateless.
 */
final class HostSyntax {
  private HostSyntax() {}

  // unreserved / pct-encoded / sub-delims of RFC 3986, which is what reg-name allows
  private static final boolean[] REG_NAME = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      REG_NAME[c] = true;
      REG_NAME[Character.toUpperCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      REG_NAME[c] = true;
    }
    for (char c : "-._~%!$&'()*+,;=".toCharArray()) {
      REG_NAME[c] = true;
    }
  }

  /**
   * @param value the header value or authority
   * @param emptyAllowed whether "" is valid (an empty Host header is, RFC 9112 3.2)
   */
  static boolean isValid(String value, boolean emptyAllowed) {
    if (value.isEmpty()) {
      return emptyAllowed;
    }
    int hostEnd;
    if (value.charAt(0) == '[') {
      hostEnd = value.indexOf(']');
      if (hostEnd < 2) {
        return false;
      }
      for (int i = 1; i < hostEnd; i++) {
        char c = value.charAt(i);
        if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
          return false;
        }
      }
      hostEnd++;
    } else {
      hostEnd = value.indexOf(':');
      if (hostEnd < 0) {
        hostEnd = value.length();
      }
      if (hostEnd == 0) {
        return false;
      }
      for (int i = 0; i < hostEnd; i++) {
        char c = value.charAt(i);
        if (c >= 128 || !REG_NAME[c]) {
          return false;
        }
      }
    }
    if (hostEnd == value.length()) {
      return true;
    }
    if (value.charAt(hostEnd) != ':' || hostEnd + 1 == value.length() || value.length() - hostEnd > 6) {
      return false;
    }
    for (int i = hostEnd + 1; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
