package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The routes served for one host pattern.
 *
 * @param hostname lower-case exact name ({@code app.example.org}), a one-label wildcard ({@code
 *     *.example.org}, which matches {@code a.example.org} but neither {@code example.org} nor {@code
 *     a.b.example.org}), or {@link #CATCH_ALL} for rules without a host
 * @param routes path routes in producer order; the route table orders them by precedence, so order
 *     here only breaks ties between identical paths (first wins)
 */
public record VirtualHost(String hostname, List<HttpRoute> routes) {

  /** Host pattern for Ingress rules that name no host. */
  public static final String CATCH_ALL = "*";

  public VirtualHost {
    Objects.requireNonNull(hostname, "hostname");
    hostname = hostname.toLowerCase(Locale.ROOT);
    routes = List.copyOf(routes);
  }

  public boolean isWildcard() {
    return hostname.startsWith("*.");
  }

  public boolean isCatchAll() {
    return hostname.equals(CATCH_ALL);
  }
}
