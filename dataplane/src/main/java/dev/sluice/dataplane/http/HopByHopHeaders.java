package dev.sluice.dataplane.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Removes hop-by-hop headers (RFC 9110 7.6.1): Connection and every header it names, Keep-Alive,
 * TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Connection, Proxy-Authenticate,
 * Proxy-Authorization.
 *
 * <p>TODO(http-edge helper): implement and test.
 */
public final class HopByHopHeaders {
  private HopByHopHeaders() {}

  /** Strips in place. The caller re-adds Upgrade/Connection itself for a WebSocket upgrade. */
  public static void strip(HttpHeaders headers) {
    throw new UnsupportedOperationException("not yet");
  }
}
