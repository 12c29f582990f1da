package dev.sluice.dataplane.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Removes hop-by-hop headers (RFC 9110 7.6.1): Connection and every header it names, Keep-Alive,
 * TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Connection, Proxy-Authenticate,
 * Proxy-Authorization. Stateless.
 */
public final class HopByHopHeaders {
  private HopByHopHeaders() {}

  private static final List<AsciiString> ALWAYS =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.PROXY_AUTHENTICATE,
          HttpHeaderNames.PROXY_AUTHORIZATION);

  /**
   * Strips in place. The caller re-adds Upgrade/Connection itself for a WebSocket upgrade.
   *
   * <p>{@code TE} goes entirely, {@code TE: trailers} included: upstream is HTTP/1.1, where it is
   * only a hint, and what we forward is not the client's connection.
   *
   * <p>Two headers are never removed because Connection names them: {@code Host} and {@code
   * Content-Length}. They describe the message, not the hop; letting a client delete
   * Content-Length through {@code Connection: content-length} would leave the upstream request
   * without framing, which is how request smuggling starts. (Go's ReverseProxy is immune the same
   * way: it keeps both outside its header map.)
   *
   * <p>Transfer-Encoding is hop-by-hop and is removed: a caller forwarding a body that had no
   * Content-Length must mark the upstream request chunked again (check {@code
   * HttpUtil.isTransferEncodingChunked} before stripping).
   */
  public static void strip(HttpHeaders headers) {
    if (headers.contains(HttpHeaderNames.CONNECTION)) {
      for (String line : headers.getAll(HttpHeaderNames.CONNECTION)) {
        removeNamedIn(headers, line);
      }
    }
    for (AsciiString name : ALWAYS) {
      headers.remove(name);
    }
  }

  /**
   * A WebSocket opening handshake (RFC 6455 4.1): GET, a Connection header with the token {@code
   * upgrade} (on any line, any case), and {@code Upgrade: websocket} (any case). Ask before {@link
   * #strip}, which removes both.
   */
  public static boolean isWebSocketUpgrade(HttpRequest request) {
    if (!HttpMethod.GET.equals(request.method())) {
      return false;
    }
    HttpHeaders headers = request.headers();
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    return upgrade != null
        && HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(upgrade.strip())
        && hasToken(headers, HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
  }

  /** Whether any line of the list header {@code name} holds {@code token}, ignoring case. */
  static boolean hasToken(HttpHeaders headers, CharSequence name, AsciiString token) {
    for (String line : headers.getAll(name)) {
      int start = 0;
      while (start <= line.length()) {
        int comma = line.indexOf(',', start);
        int end = comma < 0 ? line.length() : comma;
        if (token.contentEqualsIgnoreCase(line.substring(start, end).strip())) {
          return true;
        }
        start = end + 1;
      }
    }
    return false;
  }

  private static void removeNamedIn(HttpHeaders headers, String connectionLine) {
    int start = 0;
    while (start <= connectionLine.length()) {
      int comma = connectionLine.indexOf(',', start);
      int end = comma < 0 ? connectionLine.length() : comma;
      String name = connectionLine.substring(start, end).strip();
      if (!name.isEmpty()
          && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)
          && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
        headers.remove(name);
      }
      start = end + 1;
    }
  }
}
