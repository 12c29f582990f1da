package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's policies as the request path runs them: request filters in a fixed order, then the
 * upstream, then response filters. Compiled once per snapshot from {@link RoutePolicy}; a route
 * without policies gets {@link #NONE} and the request path does not look further.
 *
 * <p>The order follows nginx's phases, which ingress-nginx users know: redirects (rewrite phase)
 * before rate limits (preaccess) before source ranges and authentication (access) before the
 * request is changed for the upstream (content).
 *
 * @param request run in order; each must proceed for the next one to run
 * @param response run in order on every response head
 * @param errorPages upstream statuses answered from an error Service ({@code custom-http-errors})
 */
public record RouteFilters(RequestFilter[] request, ResponseFilter[] response, ErrorPages errorPages) {
  public static final RouteFilters NONE = new RouteFilters(new RequestFilter[0], new ResponseFilter[0]);

  public RouteFilters(RequestFilter[] request, ResponseFilter[] response) {
    this(request, response, ErrorPages.NONE);
  }

  /** Compiles {@code route}'s policy; {@code runtime} holds state that outlives snapshots. */
  public static RouteFilters compile(HttpRoute route, PolicyRuntime runtime) {
    RoutePolicy p = route.policy();
    List<RequestFilter> req = new ArrayList<>();
    List<ResponseFilter> resp = new ArrayList<>();
    // 1. redirects: answered before anything else looks at the request
    if (p.sslRedirect()) {
      req.add(SslRedirectFilter.INSTANCE);
    }
    if (!p.redirect().isNone()) {
      req.add(new RedirectFilter(p.redirect()));
    }
    // 2. rate limits
    AccessPolicy access = p.access();
    if (access.rateLimits() != null) {
      req.add(new RateLimitFilter(route.name(), access.rateLimits(), runtime.clients()));
    }

    // 3. CORS preflight (answered before authentication: browsers send no credentials with it)
    CorsFilter cors = p.cors().isNone() ? null : new CorsFilter(p.cors());
    if (cors != null) {
      req.add(cors);
    }

    // 4. source ranges and authentication
    if (access.sourceRanges() != null) {
      req.add(new SourceRangeFilter(access.sourceRanges()));
    }
    if (access.basicAuth() != null) {
      req.add(new BasicAuthFilter(access.basicAuth(), runtime));
    }
    if (access.externalAuth() != null) {
      req.add(new ExternalAuthFilter(access.externalAuth(), runtime));
    }
    if (!p.jwt().isNone()) {
      req.add(dev.sluice.dataplane.policy.jwt.JwtFilter.compile(p.jwt(), runtime));
    }

    // 5. changes to the request on its way upstream
    if (p.rewrite().changesRequest()) {
      req.add(new RewriteFilter(route, p.rewrite()));
    }
    if (p.headers().hasRequestRules()) {
      req.add(HeaderRules.request(p.headers()));
    }

    // response filters
    if (cors != null) {
      resp.add(cors);
    }
    if (p.headers().hasResponseRules()) {
      resp.add(HeaderRules.response(p.headers()));
    }

    ErrorPages errorPages = ErrorPages.compile(route);
    if (req.isEmpty() && resp.isEmpty() && errorPages.isNone()) {
      return NONE;
    }
    return new RouteFilters(
        req.toArray(RequestFilter[]::new), resp.toArray(ResponseFilter[]::new), errorPages);
  }

  public boolean isNone() {
    return this == NONE;
  }
}
