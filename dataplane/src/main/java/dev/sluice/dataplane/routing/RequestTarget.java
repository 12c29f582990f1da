package dev.sluice.dataplane.routing;

/**
 * Finds the parts of a request target and a Host header that routing needs, as index ranges into
 * the caller's {@link CharSequence} so that nothing is copied. A range is packed into one {@code
 * long} ({@link #range}, {@link #start}, {@link #end}) to return two ints without allocating.
 *
 * <p>Stateless; any thread.
 */
final class RequestTarget {
  /** Returned when there is no such part. */
  static final long NONE = -1L;

  private RequestTarget() {}

  static long range(int start, int end) {
    return ((long) start << 32) | (end & 0xFFFFFFFFL);
  }

  static int start(long range) {
    return (int) (range >>> 32);
  }

  static int end(long range) {
    return (int) range;
  }

  /**
   * The authority of an absolute-form target ({@code http://user@host:80/path}) without userinfo,
   * or {@link #NONE} for origin form ({@code /path}), asterisk form and anything else.
   */
  static long authority(CharSequence uri) {
    int len = uri.length();
    int colon = schemeEnd(uri);
    if (colon < 0
        || colon + 2 >= len
        || uri.charAt(colon + 1) != '/'
        || uri.charAt(colon + 2) != '/') {
      return NONE;
    }
    int start = colon + 3;
    int end = start;
    while (end < len) {
      char c = uri.charAt(end);
      if (c == '/' || c == '?' || c == '#') {
        break;
      }
      if (c == '@') {
        start = end + 1; // userinfo is never part of the host
      }
      end++;
    }
    return range(start, end);
  }

  /**
   * The path: from the first {@code /} of origin form (or after the authority of absolute form) up
   * to {@code ?}, {@code #} or the end. May be empty (absolute form without path, which means
   * {@code /}).
   *
   * @param authority what {@link #authority} returned for {@code uri}
   */
  static long path(CharSequence uri, long authority) {
    int start = authority == NONE ? 0 : end(authority);
    int end = start;
    int len = uri.length();
    while (end < len) {
      char c = uri.charAt(end);
      if (c == '?' || c == '#') {
        break;
      }
      end++;
    }
    return range(start, end);
  }

  /**
   * The host name inside a Host header value or authority {@code s[start, end)}: surrounding
   * blanks, the port, IPv6 brackets and one trailing dot removed. An empty range means no host.
   */
  static long host(CharSequence s, int start, int end) {
    while (start < end && isBlank(s.charAt(start))) {
      start++;
    }
    while (end > start && isBlank(s.charAt(end - 1))) {
      end--;
    }
    if (start < end && s.charAt(start) == '[') {
      for (int i = start + 1; i < end; i++) {
        if (s.charAt(i) == ']') {
          return range(start + 1, i); // "[::1]:8080" → "::1"
        }
      }
      return range(start, start); // unclosed bracket: not a host name we could have a rule for
    }
    int firstColon = -1;
    for (int i = start; i < end; i++) {
      if (s.charAt(i) == ':') {
        if (firstColon >= 0) {
          firstColon = -1; // two colons: a bare IPv6 literal, not host:port
          break;
        }
        firstColon = i;
      }
    }
    if (firstColon >= 0) {
      end = firstColon;
    }
    if (end > start && s.charAt(end - 1) == '.') {
      end--; // "a.example.org." is the fully qualified form of "a.example.org"
    }
    return range(start, end);
  }

  /**
   * Index of the ':' ending a valid URI scheme ({@code ALPHA *( ALPHA / DIGIT / + - . )}), or -1.
   */
  private static int schemeEnd(CharSequence uri) {
    int len = uri.length();
    if (len == 0 || !isAlpha(uri.charAt(0))) {
      return -1;
    }
    for (int i = 1; i < len; i++) {
      char c = uri.charAt(i);
      if (c == ':') {
        return i;
      }
      if (!(isAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
        return -1;
      }
    }
    return -1;
  }

  private static boolean isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
