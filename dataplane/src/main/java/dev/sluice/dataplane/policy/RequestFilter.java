package dev.sluice.dataplane.policy;

/**
 * One request-phase policy of a route (a redirect, an access check, a rewrite ...). Compiled once
 * per snapshot by {@link RouteFilters}; shared by every event loop, so an implementation holds no
 * per-request state of its own (per-client state, such as rate-limit buckets, lives in thread-safe
 * structures of the {@link PolicyRuntime}).
 */
@FunctionalInterface
public interface RequestFilter {

  /**
   * Looks at (and may change) the request, then calls {@link FilterExchange#proceed()} or {@link
   * FilterExchange#respond}; see {@link FilterExchange} for the contract.
   */
  void onRequest(FilterExchange exchange);
}
