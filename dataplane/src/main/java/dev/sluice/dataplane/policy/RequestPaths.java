package dev.sluice.dataplane.policy;

/**
 * Where the path of a request target sits: origin form ({@code /p?q}) or absolute form ({@code
 * http://h/p?q}). Stateless.
 */
final class RequestPaths {
  private RequestPaths() {}

  /** Index of the path's first character ({@code uri.length()} when an absolute form has none). */
  static int pathStart(String uri) {
    if (uri.startsWith("/")) {
      return 0;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return uri.length(); // "*" or authority form: no path
    }
    int from = scheme + 3;
    for (int i = from; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        return i;
      }
    }
    return uri.length();
  }

  /** Index just after the path: the {@code ?} or {@code #} that ends it, or the end. */
  static int pathEnd(String uri, int start) {
    for (int i = start; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return uri.length();
  }

  /** The path of {@code uri}; {@code /} when it has none. */
  static String path(String uri) {
    int start = pathStart(uri);
    int end = pathEnd(uri, start);
    return start == end ? "/" : uri.substring(start, end);
  }
}
