package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.RoutePolicy;

/**
 * The policy of one Ingress, parsed once from its annotations and applied to each of its routes.
 *
 * @param base the route policy every route of the Ingress starts from
 * @param sslRedirect {@code ssl-redirect} as written, or {@code null} when absent: routes of hosts
 *     the Ingress lists under {@code spec.tls} redirect plain HTTP unless it is {@code false}
 * @param forceSslRedirect {@code force-ssl-redirect}: every route redirects plain HTTP, TLS host or
 *     not (for TLS terminated in front of Sluice, or a certificate that covers the host elsewhere)
 */
record IngressPolicy(RoutePolicy base, Boolean sslRedirect, boolean forceSslRedirect) {
  static final IngressPolicy DEFAULT = new IngressPolicy(RoutePolicy.DEFAULT, null, false);

  /** The policy of one route of the Ingress; {@code tlsHost}: its host is in {@code spec.tls}. */
  RoutePolicy forRoute(boolean tlsHost) {
    boolean redirect = forceSslRedirect || (tlsHost && !Boolean.FALSE.equals(sslRedirect));
    return redirect == base.sslRedirect() ? base : base.withSslRedirect(redirect);
  }

  /** Ingress-level settings collected by the parsers. Not thread-safe. */
  static final class Builder {
    Boolean sslRedirect;
    boolean forceSslRedirect;

    Builder sslRedirect(Boolean v) {
      sslRedirect = v;
      return this;
    }

    Builder forceSslRedirect(boolean v) {
      forceSslRedirect = v;
      return this;
    }
  }
}
