package dev.sluice.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * The small plain-text error pages Sluice itself answers with: {@code "404 Not Found\n"} plus one
 * line saying why. Bodies of the statuses the proxy uses are encoded once, here; each response
 * copies them into a fresh buffer from the channel's allocator (a ByteBuf is never shared between
 * channels: its reader index and reference count are per use). Stateless.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static final AsciiString TEXT_PLAIN_UTF8 =
      AsciiString.cached("text/plain; charset=utf-8");

  /** Index: status code. Null where no body was pre-encoded. */
  private static final byte[][] BODIES = new byte[600][];

  static {
    body(HttpResponseStatus.BAD_REQUEST, "The request could not be parsed.");
    body(HttpResponseStatus.NOT_FOUND, "No route for this host and path.");
    body(HttpResponseStatus.REQUEST_TIMEOUT, "The request did not arrive in time.");
    body(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is larger than allowed.");
    body(
        HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
        "The request line or headers are larger than allowed.");
    body(HttpResponseStatus.BAD_GATEWAY, "Could not connect to the upstream service.");
    body(HttpResponseStatus.SERVICE_UNAVAILABLE, "No ready endpoint for this service.");
    body(HttpResponseStatus.GATEWAY_TIMEOUT, "The upstream service did not answer in time.");
  }

  private static void body(HttpResponseStatus status, String hint) {
    BODIES[status.code()] = (status + "\n" + hint + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** An error page that leaves the connection open (keep-alive is up to the caller). */
  public static FullHttpResponse of(HttpResponseStatus status, ByteBufAllocator alloc) {
    return of(status, alloc, false);
  }

  /**
   * An HTTP/1.1 error page with Content-Type text/plain; charset=utf-8 and Content-Length, plus
   * {@code Connection: close} when {@code close}. The caller owns (and must write or release) the
   * returned response. Statuses without a prepared hint get just their status line as body.
   */
  public static FullHttpResponse of(
      HttpResponseStatus status, ByteBufAllocator alloc, boolean close) {
    byte[] body = bodyOf(status);
    ByteBuf content = alloc.buffer(body.length, body.length).writeBytes(body);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    HttpHeaders headers = response.headers();
    headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN_UTF8);
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (close) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  /** The body bytes for a status (pre-encoded copy shared read-only; do not modify). */
  static byte[] bodyOf(HttpResponseStatus status) {
    int code = status.code();
    byte[] prepared = code >= 0 && code < BODIES.length ? BODIES[code] : null;
    return prepared != null ? prepared : (status + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
