package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.RedirectPolicy;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * {@code permanent-redirect} / {@code temporal-redirect}: every request is answered with the
 * configured status and URL. {@code app-root}: a request for exactly {@code /} (any query) is
 * answered 302 with {@code Location: <app root>}; other paths pass. Immutable, shared.
 */
final class RedirectFilter implements RequestFilter {
  private final RedirectPolicy policy;
  private final HttpResponseStatus status;

  RedirectFilter(RedirectPolicy policy) {
    this.policy = policy;
    this.status = HttpResponseStatus.valueOf(policy.code());
  }

  @Override
  public void onRequest(FilterExchange x) {
    if (policy.url() != null) {
      x.respond(redirect(status, policy.url()));
      return;
    }
    if (policy.appRoot() != null && RequestPaths.path(x.request().uri()).equals("/")) {
      x.respond(redirect(HttpResponseStatus.FOUND, policy.appRoot()));
      return;
    }
    x.proceed();
  }

  static FullHttpResponse redirect(HttpResponseStatus status, String location) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }
}
