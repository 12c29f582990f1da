package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.snapshot.AccessPolicy.RateLimits;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.TimeUnit;

/**
 * {@code limit-rps}, {@code limit-rpm} and {@code limit-connections}, per client IP (the real one,
 * after trusted proxies) and route: a client over a rate gets {@code 429 Too Many Requests} with
 * {@code Retry-After} (seconds until its next token), one with too many requests in flight {@code
 * 429} with {@code Retry-After: 1}. ingress-nginx answers {@code 503} by default; Sluice uses the
 * status meant for it. State lives in the {@link PolicyRuntime}'s {@link ClientTable}, so a new
 * snapshot does not refill anyone's bucket. Stateless itself; shared by every event loop.
 */
final class RateLimitFilter implements RequestFilter {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final ClientTable clients;
  private final String routeKey;
  private final long rpsInterval; // 0: no limit
  private final long rpsBurst;
  private final long rpmInterval;
  private final long rpmBurst;
  private final int connections; // 0: no limit

  RateLimitFilter(String routeName, RateLimits limits, ClientTable clients) {
    this.clients = clients;
    this.routeKey = routeName;
    this.rpsInterval = limits.rps() == 0 ? 0 : SECOND / limits.rps();
    this.rpsBurst = (long) limits.rps() * limits.burstMultiplier();
    this.rpmInterval = limits.rpm() == 0 ? 0 : MINUTE / limits.rpm();
    this.rpmBurst = (long) limits.rpm() * limits.burstMultiplier();
    this.connections = limits.connections();
  }

  @Override
  public void onRequest(FilterExchange x) {
    long now = System.nanoTime();
    ClientTable.Client c = clients.get(routeKey, x.clientAddress(), now);
    long wait = 0;
    if (rpsInterval > 0) {
      wait = c.takePerSecond(now, rpsInterval, rpsBurst);
    }
    if (wait == 0 && rpmInterval > 0) {
      wait = c.takePerMinute(now, rpmInterval, rpmBurst);
    }
    if (wait > 0) {
      x.respond(tooMany(x, (wait + SECOND - 1) / SECOND));
      return;
    }
    if (connections > 0) {
      if (!c.enter(connections)) {
        x.respond(tooMany(x, 1));
        return;
      }
      x.whenDone(c);
    }
    x.proceed();
  }

  private static FullHttpResponse tooMany(FilterExchange x, long retryAfterSeconds) {
    FullHttpResponse r = ErrorResponses.of(HttpResponseStatus.TOO_MANY_REQUESTS, x.alloc());
    r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfterSeconds)));
    return r;
  }
}
