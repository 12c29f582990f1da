package dev.sluice.dataplane.policy;

import io.netty.handler.codec.http.HttpResponse;

/**
 * One response-phase policy of a route (headers, CORS ...): changes the head of the response
 * before it goes downstream, whether it came from the upstream or from a {@link RequestFilter}.
 * Synchronous; compiled once per snapshot and shared, like {@link RequestFilter}.
 */
@FunctionalInterface
public interface ResponseFilter {

  /**
   * @param exchange the request this answers (its headers as sent upstream)
   * @param response the response head; its headers may be changed
   */
  void onResponse(FilterExchange exchange, HttpResponse response);
}
