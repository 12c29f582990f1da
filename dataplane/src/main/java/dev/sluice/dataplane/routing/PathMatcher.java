package dev.sluice.dataplane.routing;

import com.google.re2j.Pattern;
import dev.sluice.dataplane.snapshot.HttpRoute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths of one host, compiled: request path → route with Kubernetes Ingress semantics.
 *
 * <ul>
 *   <li>An Exact route matching the path wins over any Prefix route: it matches the whole path, so
 *       no prefix can be longer (a Prefix rule's trailing slash does not count toward its length).
 *   <li>Prefix (and ImplementationSpecific) rules match element-wise over {@code /}-separated
 *       segments with the rule's trailing slash ignored; the longest matching rule wins. So the
 *       candidates for a request are exactly its prefixes that end before a {@code /} or at its
 *       end, each looked up in a hash table while the path is walked once.
 *   <li>{@code /} matches every path.
 *   <li>Rules that match the same requests ({@code /foo} and {@code /foo/}, or a path repeated):
 *       the longer text wins, then the first in {@code VirtualHost.routes} order.
 *   <li>{@code use-regex} routes (ImplementationSpecific paths of an Ingress with {@code use-regex:
 *       "true"}, see {@link RegexPath}) are tried after Exact and before Prefix, as nginx tries
 *       its regex locations before prefix locations: the longest expression text first, then
 *       {@code VirtualHost.routes} order; the first that matches the start of the path wins.
 *       Hosts without such routes never look at this list, so their lookups stay allocation-free.
 * </ul>
 *
 * <p>Paths are compared as sent (case-sensitive, not percent-decoded).
 *
 * <p>Thread safety: immutable; any thread.
 */
final class PathMatcher {
  private final NameMap<CompiledRoute> exact;
  private final NameMap<CompiledRoute> prefixes;
  private final CompiledRoute root;
  private final Pattern[] regexes;
  private final CompiledRoute[] regexRoutes;

  private PathMatcher(
      NameMap<CompiledRoute> exact,
      NameMap<CompiledRoute> prefixes,
      CompiledRoute root,
      List<CompiledRoute> regexRoutes) {
    this.exact = exact;
    this.prefixes = prefixes;
    this.root = root;
    this.regexRoutes = regexRoutes.toArray(CompiledRoute[]::new);
    this.regexes = new Pattern[this.regexRoutes.length];
    for (int i = 0; i < regexes.length; i++) {
      regexes[i] = RegexPath.compile(this.regexRoutes[i].route().path());
    }
  }

  private static boolean isRegex(HttpRoute r) {
    return r.pathType() == HttpRoute.PathType.IMPLEMENTATION_SPECIFIC && r.policy().rewrite().regex();
  }

  /**
   * @param routes in {@code VirtualHost.routes} order (that order breaks ties)
   */
  static PathMatcher compile(List<CompiledRoute> routes) {
    NameMap.Builder<CompiledRoute> exact = new NameMap.Builder<>(false);
    Map<String, CompiledRoute> prefixByKey = new LinkedHashMap<>();
    List<CompiledRoute> regex = new ArrayList<>();
    for (CompiledRoute r : routes) {
      String path = r.route().path();
      if (isRegex(r.route())) {
        regex.add(r);
      } else if (r.route().pathType() == HttpRoute.PathType.EXACT) {
        exact.putIfAbsent(path, r);
      } else {
        prefixByKey.merge(
            withoutTrailingSlashes(path),
            r,
            (first, later) ->
                later.route().path().length() > first.route().path().length() ? later : first);
      }
    }
    CompiledRoute root = prefixByKey.remove("");
    NameMap.Builder<CompiledRoute> prefixes = new NameMap.Builder<>(false);
    prefixByKey.forEach(prefixes::putIfAbsent);
    // stable: equal lengths keep VirtualHost.routes order
    regex.sort(Comparator.comparingInt((CompiledRoute r) -> r.route().path().length()).reversed());
    return new PathMatcher(exact.build(), prefixes.build(), root, regex);
  }

  /**
   * @param uri holds the path in {@code [start, end)}; an empty range is read as {@code /}
   * @return the winning route, or {@code null}
   */
  CompiledRoute match(CharSequence uri, int start, int end) {
    if (start == end) {
      return match("/", 0, 1);
    }
    if (exact.size() > 0) {
      CompiledRoute r = exact.get(uri, start, end);
      if (r != null) {
        return r;
      }
    }
    if (regexes.length > 0) {
      CharSequence path = uri.subSequence(start, end);
      for (int i = 0; i < regexes.length; i++) {
        if (regexes[i].matcher(path).lookingAt()) {
          return regexRoutes[i];
        }
      }
    }
    if (prefixes.size() > 0) {
      CompiledRoute longest = null;
      int hash = NameMap.initialHash();
      for (int i = start; i <= end; i++) {
        char c = i < end ? uri.charAt(i) : '/';
        if (c == '/' && i > start) {
          CompiledRoute r = prefixes.get(uri, start, i, hash);
          if (r != null) {
            longest = r;
          }
        }
        hash = prefixes.hashStep(hash, c);
      }
      if (longest != null) {
        return longest;
      }
    }
    return root;
  }

  private static String withoutTrailingSlashes(String path) {
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }
}
