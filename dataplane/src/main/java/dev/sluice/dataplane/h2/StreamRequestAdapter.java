package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.ProxyErrors;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Makes a request decoded from an HTTP/2 stream look like what {@code ProxyHandler} gets from an
 * HTTP/1.1 connection, and no more:
 *
 * <ul>
 *   <li>Netty's conversion adds {@code x-http2-scheme} and {@code x-http2-stream-id} (and honours
 *       the other {@code x-http2-*} names): they describe our hop and are removed, never forwarded.
 *   <li>{@code :authority} becomes {@code Host} (Netty's conversion). A {@code host} header that
 *       differs from {@code :authority} makes the request malformed (RFC 9113 8.3.1): Netty's
 *       conversion fails, and the request is answered 400 here (routing by one and letting the
 *       upstream read the other is how a request reaches a host it was not routed to). Should two
 *       Host values still arrive, equal ones are folded into one and different ones get 400 too.
 *   <li>Any other request Netty cannot convert (a decoder failure on this stream) gets 400 as well,
 *       logged by message, not as an unexpected error.
 *   <li>A request whose HEADERS frame ended the stream arrives as one {@code FullHttpRequest}; it
 *       is split into a head and its (empty) last content, so the proxy sees the same message
 *       sequence as on HTTP/1.1 (and a retry can write the head again).
 *   <li>{@code Upgrade} cannot be sent over HTTP/2 (Netty's HPACK decoder rejects connection
 *       headers with a stream error); it is removed anyway so the proxy can never mistake a stream
 *       for a WebSocket handshake: such a request is proxied as a plain request.
 * </ul>
 *
 * <p>Responses need nothing here: Netty's conversion drops Connection, Keep-Alive,
 * Proxy-Connection, Transfer-Encoding, Upgrade and the headers Connection names, and keeps {@code
 * TE} only as {@code trailers}.
 *
 * <p>Thread safety: event loop of its stream channel only.
 */
final class StreamRequestAdapter extends ChannelInboundHandlerAdapter {
  private static final List<CharSequence> EXTENSION_HEADERS =
      List.of(
          ExtensionHeaderNames.STREAM_ID.text(),
          ExtensionHeaderNames.SCHEME.text(),
          ExtensionHeaderNames.PATH.text(),
          ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
          ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
          ExtensionHeaderNames.STREAM_WEIGHT.text());

  private final ProxyErrors errors;
  private boolean rejected;

  StreamRequestAdapter(ProxyErrors errors) {
    this.errors = errors;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!(msg instanceof HttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    HttpHeaders headers = request.headers();
    for (CharSequence name : EXTENSION_HEADERS) {
      headers.remove(name);
    }
    headers.remove(HttpHeaderNames.UPGRADE);
    if (!foldHost(headers)) {
      reject(
          ctx,
          request.method() + " " + request.uri() + ": :authority and host differ "
              + headers.getAll(HttpHeaderNames.HOST),
          null);
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof FullHttpRequest full) {
      HttpRequest head =
          new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), headers);
      ctx.fireChannelRead(head);
      ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** One Host left: true. Different values: false (the request is malformed). */
  private static boolean foldHost(HttpHeaders headers) {
    List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
    if (hosts.size() < 2) {
      return true;
    }
    String first = hosts.get(0);
    for (int i = 1; i < hosts.size(); i++) {
      if (!first.equalsIgnoreCase(hosts.get(i))) {
        return false;
      }
    }
    headers.set(HttpHeaderNames.HOST, first);
    return true;
  }

  /** A request this stream could not decode (Netty's conversion refused it): 400. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (rejected) {
      return;
    }
    Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (reason instanceof Http2Exception) {
      reject(ctx, "undecodable request", reason);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  private void reject(ChannelHandlerContext ctx, String what, Throwable cause) {
    rejected = true;
    errors.count(ErrorKind.BAD_REQUEST);
    errors.log(
        ErrorKind.BAD_REQUEST, what + " over h2 from " + ctx.channel().remoteAddress(), "-", cause);
    // closing the stream after the answer resets it if the client is still sending a body
    ctx.writeAndFlush(ErrorResponses.of(HttpResponseStatus.BAD_REQUEST, ctx.alloc()))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
