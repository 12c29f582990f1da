package dev.sluice.dataplane.upstream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Makes the messages of an HTTP/2 stream look like those of an HTTP/1.1 connection, so that an
 * exchange handles both the same way: a response whose HEADERS ended the stream (and every 1xx
 * interim response) arrives from Netty's converter as one {@link FullHttpResponse}, which is split
 * here into a head and a {@link LastHttpContent}; and the {@code x-http2-*} headers the converter
 * adds for bookkeeping are removed so they never reach a client.
 *
 * <p>Outbound, a gRPC request gets {@code te: trailers} back: the exchange strips {@code TE} as a
 * hop-by-hop header, but gRPC requires it on HTTP/2 and some servers refuse requests without it.
 *
 * <p>Stateless and shared by all stream channels.
 */
@ChannelHandler.Sharable
final class H2StreamAdapter extends ChannelDuplexHandler {
  static final H2StreamAdapter INSTANCE = new H2StreamAdapter();

  private H2StreamAdapter() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse response) {
      stripExtensions(response.headers());
      if (msg instanceof FullHttpResponse full) {
        stripExtensions(full.trailingHeaders());
        HttpResponse head =
            new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
        LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(last);
        return;
      }
    } else if (msg instanceof LastHttpContent last) {
      stripExtensions(last.trailingHeaders());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpRequest request) {
      HttpHeaders headers = request.headers();
      String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
      if (type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)) {
        headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
    }
    ctx.write(msg, promise);
  }

  private static void stripExtensions(HttpHeaders headers) {
    if (headers.isEmpty()) {
      return;
    }
    for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) {
      headers.remove(name.text());
    }
  }
}
