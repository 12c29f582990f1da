package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.snapshot.AccessPolicy.SourceRanges;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code allow-source-range} / {@code deny-source-range}: a client whose real address (after PROXY
 * protocol and trusted proxies) is denied, or not allowed when there is an allow list, gets {@code
 * 403}. The lists were compiled with the snapshot; a check is a few integer operations and
 * allocates nothing for IPv4 clients. Stateless; shared by every event loop.
 */
final class SourceRangeFilter implements RequestFilter {
  private final SourceRanges ranges;

  SourceRangeFilter(SourceRanges ranges) {
    this.ranges = ranges;
  }

  @Override
  public void onRequest(FilterExchange x) {
    if (ranges.permits(x.clientAddress())) {
      x.proceed();
    } else {
      x.respond(ErrorResponses.of(HttpResponseStatus.FORBIDDEN, x.alloc()));
    }
  }
}
