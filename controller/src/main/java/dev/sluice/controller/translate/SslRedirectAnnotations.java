package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.RoutePolicy;

/**
 * {@code ssl-redirect} ({@code "true"}/{@code "false"}; default: hosts in the Ingress's {@code
 * spec.tls} redirect plain HTTP to HTTPS) and {@code force-ssl-redirect} (every route redirects,
 * TLS host or not; default false).
 */
final class SslRedirectAnnotations implements PolicyAnnotation {
  static final String SSL_REDIRECT = "ssl-redirect";
  static final String FORCE_SSL_REDIRECT = "force-ssl-redirect";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    ingress.sslRedirect(Booleans.readOrNull(a, SSL_REDIRECT));
    ingress.forceSslRedirect(Booleans.read(a, FORCE_SSL_REDIRECT, false));
  }
}
