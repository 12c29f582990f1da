package dev.sluice.dataplane.policy;

import io.netty.handler.codec.http.FullHttpResponse;

/**
 * {@code ssl-redirect} / {@code force-ssl-redirect}: plain HTTP is answered with a redirect to the
 * same URL on HTTPS ({@link HttpsRedirect}). Requests over TLS, ACME HTTP-01 challenges and
 * listeners without an HTTPS port pass.
 */
final class SslRedirectFilter implements RequestFilter {
  static final SslRedirectFilter INSTANCE = new SslRedirectFilter();

  private SslRedirectFilter() {}

  @Override
  public void onRequest(FilterExchange x) {
    if (!x.tls() && x.httpsPort() > 0) {
      FullHttpResponse redirect = HttpsRedirect.response(x.request(), x.httpsPort());
      if (redirect != null) {
        x.respond(redirect);
        return;
      }
    }
    x.proceed();
  }
}
