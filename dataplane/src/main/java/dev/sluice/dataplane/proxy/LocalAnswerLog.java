package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.accesslog.AccessEntry;
import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.proxyprotocol.ClientAddress;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * Access-log lines for what {@link ProxyHandler} answers itself, before any routing: a request head
 * refused as malformed or over a limit (400, 414, 431, ...) and an ACME HTTP-01 challenge answer.
 * Same format as an {@link Exchange}'s line, with no route ({@code route="-"}), no upstream, and
 * {@code rt}/{@code urt} 0/- (the answer is written the moment the head is read). The client is
 * the connection's source (the PROXY header's when one was accepted); {@code X-Forwarded-For} is
 * not trusted for requests that never reach the forwarded-header logic.
 *
 * <p>Event loop of the downstream channel only; the line is formatted on the log's own thread.
 */
final class LocalAnswerLog {
  private LocalAnswerLog() {}

  /**
   * Logs one answer, when the access log is on and samples it.
   *
   * @param request the request head as decoded, or {@code null}; for a head Netty's decoder could
   *     not parse at all, its placeholder ({@code GET /bad-request}) is left out of the line
   * @param status the status sent
   * @param bytesOut body bytes sent
   */
  static void log(
      ChannelHandlerContext ctx, AccessLog accessLog, HttpRequest request, int status, long bytesOut) {
    if (!accessLog.sampled()) {
      return;
    }
    // Netty's decoder answers an unparseable request line with a made-up FullHttpRequest; a
    // real head on this streaming codec is never a FullHttpRequest
    HttpRequest real = request instanceof FullHttpRequest ? null : request;
    HttpHeaders headers = real == null ? null : real.headers();
    accessLog.offer(
        new AccessEntry(
            AccessEntry.HTTP,
            System.currentTimeMillis(),
            AccessEntry.ip(ClientAddress.source(ctx.channel())),
            header(headers, HttpHeaderNames.HOST),
            real == null ? null : real.method().name(),
            real == null ? null : real.uri(),
            protocol(ctx, real),
            null,
            null,
            status,
            0,
            bytesOut,
            0,
            -1,
            header(headers, HttpHeaderNames.USER_AGENT),
            header(headers, HttpHeaderNames.REFERER)));
  }

  private static String protocol(ChannelHandlerContext ctx, HttpRequest request) {
    if (ctx.channel() instanceof Http2StreamChannel) {
      return "HTTP/2.0";
    }
    if (request == null) {
      return null;
    }
    return request.protocolVersion().equals(HttpVersion.HTTP_1_0) ? "HTTP/1.0" : "HTTP/1.1";
  }

  private static String header(HttpHeaders headers, CharSequence name) {
    return headers == null ? null : headers.get(name);
  }
}
