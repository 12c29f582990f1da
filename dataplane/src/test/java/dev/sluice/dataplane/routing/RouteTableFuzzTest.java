package dev.sluice.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.testing.BoundedFuzz;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Differential fuzz of {@link RouteTable}: the compiled, allocation-free lookup against {@link
 * Reference}, a slow and obvious reading of the rules in RouteTable's javadoc. {@link
 * RouteTable#match} must never throw, and both must pick the same route (or none).
 *
 * <p>The input is a small text program, one statement per line (the seeds show it):
 *
 * <pre>
 *   host a.example       starts a virtual host ("*" is the catch-all)
 *   P /api               a Prefix route of the current host (E: Exact, I: ImplementationSpecific)
 *   ? a.example:80|/api  a request: Host header, '|', request target; without '|' no Host header
 * </pre>
 *
 * Route host names are limited to printable ASCII: the controller validates them as RFC 1123 names
 * before they reach a snapshot. Request hosts and targets are arbitrary (ISO-8859-1 decoded bytes).
 */
class RouteTableFuzzTest {
  private static final int MAX_ROUTES = 64;
  private static final int MAX_REQUESTS = 16;

  @FuzzTest(maxDuration = "5m")
  void match(byte[] input) {
    check(input);
  }

  /** Runs the program; returns how many requests found a route (to show the seeds are not vacuous). */
  static int check(byte[] input) {
    List<VirtualHost> hosts = new ArrayList<>();
    List<String[]> requests = new ArrayList<>();
    parse(new String(input, StandardCharsets.ISO_8859_1), hosts, requests);
    Reference reference = new Reference(hosts);
    RouteTable table;
    try {
      table = RouteTable.compile(Routes.snapshot(hosts.toArray(VirtualHost[]::new)), new EndpointRegistry());
    } catch (IllegalArgumentException e) {
      assertThat(reference.invalidPattern).as("compile refused: %s", e.getMessage()).isNotNull();
      return 0;
    }
    assertThat(reference.invalidPattern).as("compile accepted an invalid host pattern").isNull();
    int matched = 0;
    for (String[] r : requests) {
      CompiledRoute got = table.match(r[0], r[1]);
      HttpRoute expected = reference.match(r[0], r[1]);
      assertThat(got == null ? null : got.route().name())
          .as("host=%s uri=%s", r[0], r[1])
          .isEqualTo(expected == null ? null : expected.name());
      if (got != null) {
        matched++;
      }
    }
    return matched;
  }

  private static void parse(String program, List<VirtualHost> hosts, List<String[]> requests) {
    String hostName = null;
    List<HttpRoute> routes = null;
    int routeCount = 0;
    for (String line : program.split("\n", -1)) {
      if (line.startsWith("host ")) {
        if (printableAscii(line.substring(5))) {
          if (hostName != null) {
            hosts.add(new VirtualHost(hostName, routes));
          }
          hostName = line.substring(5);
          routes = new ArrayList<>();
        }
        continue;
      }
      if (line.length() < 2 || line.charAt(1) != ' ') {
        continue;
      }
      String arg = line.substring(2);
      switch (line.charAt(0)) {
        case 'E', 'P', 'I' -> {
          if (!arg.startsWith("/") || routeCount >= MAX_ROUTES) {
            continue;
          }
          if (hostName == null) {
            hostName = VirtualHost.CATCH_ALL;
            routes = new ArrayList<>();
          }
          PathType type =
              switch (line.charAt(0)) {
                case 'E' -> PathType.EXACT;
                case 'P' -> PathType.PREFIX;
                default -> PathType.IMPLEMENTATION_SPECIFIC;
              };
          routes.add(Routes.route("r" + routeCount++, type, arg));
        }
        case '?' -> {
          if (requests.size() < MAX_REQUESTS) {
            int bar = arg.indexOf('|');
            requests.add(bar < 0 ? new String[] {null, arg} : new String[] {arg.substring(0, bar), arg.substring(bar + 1)});
          }
        }
        default -> {}
      }
    }
    if (hostName != null) {
      hosts.add(new VirtualHost(hostName, routes));
    }
  }

  private static boolean printableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < 0x20 || s.charAt(i) > 0x7e) {
        return false;
      }
    }
    return true;
  }

  @Test
  @Timeout(120) // a hang guard only
  void boundedMatch() {
    BoundedFuzz.run(getClass(), "match", this::match);
  }

  @Test
  void seedsFindRoutes() {
    int matched = 0;
    for (byte[] seed : BoundedFuzz.seeds(getClass(), "match")) {
      matched += check(seed);
    }
    assertThat(matched).isGreaterThan(10);
  }

  @Test
  void referenceDisagreementIsCaught() {
    // the check is not vacuous: a route table that ignored the "no fall-through" rule would differ
    byte[] program = "host a.example\nP /a\nhost *\nP /b\n? a.example|/b\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(check(program)).isZero();
    List<VirtualHost> hosts = List.of(new VirtualHost("*", List.of(Routes.prefix("x", "/b"))));
    assertThat(new Reference(hosts).match("a.example", "/b").name()).isEqualTo("x");
    // an invalid wildcard: compile refuses it and the reference agrees
    assertThat(new Reference(List.of(new VirtualHost("*.", List.of(Routes.prefix("y", "/"))))).invalidPattern)
        .isEqualTo("*");
    assertThat(check("host *.\nP /\n? a|/\n".getBytes(StandardCharsets.US_ASCII))).isZero();
  }

  /**
   * The documented rules, written for clarity instead of speed: strings are cut and copied, lists
   * are scanned.
   */
  static final class Reference {
    private final Map<String, List<HttpRoute>> exact = new LinkedHashMap<>();
    private final Map<String, List<HttpRoute>> wildcard = new LinkedHashMap<>();
    private final List<HttpRoute> catchAll = new ArrayList<>();
    /** The first host pattern compile must refuse, or null. */
    String invalidPattern;

    Reference(List<VirtualHost> hosts) {
      Map<String, List<HttpRoute>> byName = new LinkedHashMap<>();
      for (VirtualHost vh : hosts) {
        if (vh.isCatchAll()) {
          catchAll.addAll(vh.routes());
        } else {
          byName.computeIfAbsent(normalizePattern(vh.hostname()), k -> new ArrayList<>()).addAll(vh.routes());
        }
      }
      byName.forEach(
          (name, routes) -> {
            if (routes.isEmpty()) {
              return; // a host without routes is no host rule
            }
            if (name.startsWith("*.")) {
              String suffix = name.substring(2);
              if (suffix.isEmpty() || suffix.contains("*") || suffix.startsWith(".")) {
                invalid(name);
              } else {
                wildcard.putIfAbsent(suffix, routes);
              }
            } else if (name.isEmpty() || name.contains("*")) {
              invalid(name);
            } else {
              exact.putIfAbsent(name, routes);
            }
          });
    }

    private void invalid(String name) {
      if (invalidPattern == null) {
        invalidPattern = name;
      }
    }

    private static String normalizePattern(String pattern) {
      String p = lowerAscii(pattern.strip());
      if (p.endsWith(".")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.length() >= 2 && p.startsWith("[") && p.endsWith("]")) {
        p = p.substring(1, p.length() - 1);
      }
      return p;
    }

    HttpRoute match(String hostHeader, String uri) {
      String target = uri == null ? "" : uri;
      String authority = null;
      int pathStart = 0;
      int schemeEnd = schemeEnd(target);
      if (schemeEnd >= 0 && target.startsWith("//", schemeEnd + 1)) {
        int end = schemeEnd + 3;
        while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
          end++;
        }
        authority = target.substring(schemeEnd + 3, end);
        authority = authority.substring(authority.lastIndexOf('@') + 1); // userinfo is no host
        pathStart = end;
      }
      // RFC 9112 3.2.2: an absolute-form target's authority overrides the Host header
      String hostSource = authority != null && !authority.isEmpty() ? authority : hostHeader;
      String name = hostSource == null ? "" : hostName(hostSource);
      List<HttpRoute> routes = null;
      if (!name.isEmpty()) {
        String key = lowerAscii(name);
        routes = exact.get(key);
        int dot = key.indexOf('.');
        if (routes == null && dot > 0 && dot + 1 < key.length()) {
          routes = wildcard.get(key.substring(dot + 1));
        }
      }
      if (routes == null) {
        routes = catchAll;
      }
      int pathEnd = pathStart;
      while (pathEnd < target.length() && "?#".indexOf(target.charAt(pathEnd)) < 0) {
        pathEnd++;
      }
      String path = target.substring(pathStart, pathEnd);
      return matchPath(routes, path.isEmpty() ? "/" : path);
    }

    private static HttpRoute matchPath(List<HttpRoute> routes, String path) {
      for (HttpRoute r : routes) {
        if (r.pathType() == PathType.EXACT && r.path().equals(path)) {
          return r; // an exact match is the longest possible
        }
      }
      HttpRoute best = null;
      int bestKey = -1;
      for (HttpRoute r : routes) {
        if (r.pathType() == PathType.EXACT) {
          continue;
        }
        String key = r.path();
        while (key.endsWith("/")) {
          key = key.substring(0, key.length() - 1);
        }
        boolean matches =
            key.isEmpty()
                || path.equals(key)
                || (path.startsWith(key) && path.charAt(key.length()) == '/');
        if (!matches) {
          continue;
        }
        if (key.length() > bestKey
            || (key.length() == bestKey && r.path().length() > best.path().length())) {
          best = r;
          bestKey = key.length();
        }
      }
      return best;
    }

    /** Blanks, port, IPv6 brackets and one trailing dot removed. */
    private static String hostName(String s) {
      String h = s;
      int start = 0;
      int end = h.length();
      while (start < end && (h.charAt(start) == ' ' || h.charAt(start) == '\t')) {
        start++;
      }
      while (end > start && (h.charAt(end - 1) == ' ' || h.charAt(end - 1) == '\t')) {
        end--;
      }
      h = h.substring(start, end);
      if (h.startsWith("[")) {
        int close = h.indexOf(']');
        return close < 0 ? "" : h.substring(1, close);
      }
      int colon = h.indexOf(':');
      if (colon >= 0 && colon == h.lastIndexOf(':')) {
        h = h.substring(0, colon); // host:port; two or more colons are a bare IPv6 literal
      }
      return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static int schemeEnd(String s) {
      if (s.isEmpty() || !alpha(s.charAt(0))) {
        return -1;
      }
      for (int i = 1; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == ':') {
          return i;
        }
        if (!(alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
          return -1;
        }
      }
      return -1;
    }

    private static boolean alpha(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static String lowerAscii(String s) {
      StringBuilder b = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
      }
      return b.toString();
    }
  }
}
