package dev.sluice.dataplane.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin connection: checks method and path, asks {@link AdminRoutes} for the body, writes it.
 * HEAD gets the headers GET would get.
 *
 * <p>Thread safety: the admin event loop only.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

  private final AdminRoutes routes;

  AdminHandler(AdminRoutes routes) {
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      AdminRoutes.Reply reply = AdminRoutes.Reply.text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
      write(ctx, request, reply, false, false);
      return;
    }
    String uri = request.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    boolean head = HttpMethod.HEAD.equals(request.method());
    AdminRoutes.Reply reply;
    if (!routes.exists(path)) {
      reply = AdminRoutes.Reply.text(HttpResponseStatus.NOT_FOUND, "not found: try / for the index\n");
    } else if (!head && !HttpMethod.GET.equals(request.method())) {
      reply =
          AdminRoutes.Reply.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n")
              .withHeader(HttpHeaderNames.ALLOW, "GET, HEAD");
    } else {
      try {
        reply = routes.serve(path, request.headers().get(HttpHeaderNames.ACCEPT));
      } catch (IOException | RuntimeException e) {
        log.warn("admin {} failed", path, e);
        reply =
            AdminRoutes.Reply.text(
                HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e + "\n");
      }
    }
    write(ctx, request, reply, head, HttpUtil.isKeepAlive(request));
  }

  private static void write(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      AdminRoutes.Reply reply,
      boolean head,
      boolean keepAlive) {
    ByteBuf body = ctx.alloc().buffer(head ? 0 : reply.body().length);
    if (!head) {
      body.writeBytes(reply.body());
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(), body);
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    h.set("x-content-type-options", "nosniff");
    reply.headers().forEach(h::set);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.warn("admin connection {}: unexpected error", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }
}
