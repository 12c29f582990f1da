package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.RequestRejection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Watches request bodies as they stream in, after the HTTP codec:
 *
 * <ul>
 *   <li><b>size</b>: once more than {@code maxBodySize} bytes of one body arrived (chunked, or a
 *       Content-Length the {@link RequestValidator} let through), the chunk is dropped and the body
 *       ends with a failed {@link LastHttpContent} ({@link ErrorKind#BODY_TOO_LARGE});
 *   <li><b>read timeout</b>: while a body is open and the proxy asked for more of it ({@code
 *       read()}), body bytes must arrive within {@code bodyReadTimeout}; else the body ends with a
 *       failed {@link LastHttpContent} ({@link ErrorKind#BODY_READ_TIMEOUT}). Time the proxy spends
 *       not reading (the upstream is slow to take the body, a pipelined request waits) is not the
 *       client's and does not count.
 * </ul>
 *
 * The proxy answers a failed body with its status (413, 408) when no response started, cuts the
 * connection otherwise, and never sends the body's end upstream. Everything the codec decodes for
 * that connection afterwards is dropped: the connection closes.
 *
 * <p>Thread safety: event loop of its channel only.
 */
public final class RequestBodyGuard extends ChannelDuplexHandler {
  public static final String NAME = "body-guard";

  private final long maxBodySize;
  private final long timeoutNanos;
  private ChannelHandlerContext ctx;
  private boolean bodyOpen; // the latest request's body has not fully arrived
  private boolean refused; // a body was cut: drop everything after it
  private long received;
  private ScheduledFuture<?> timer;

  /**
   * @param maxBodySize bytes allowed in one body, 0 = unlimited
   * @param bodyReadTimeout longest wait for body bytes the proxy asked for
   */
  public RequestBodyGuard(long maxBodySize, Duration bodyReadTimeout) {
    this.maxBodySize = maxBodySize;
    this.timeoutNanos = bodyReadTimeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      bodyOpen = !(msg instanceof LastHttpContent) && request.decoderResult().isSuccess();
      received = 0;
    } else if (msg instanceof HttpContent content && bodyOpen) {
      cancel(); // bytes arrived
      received += content.content().readableBytes();
      // checked before the end: a last chunk can carry data too (an HTTP/2 DATA frame with
      // END_STREAM is one), and a body must not slip past the cap in its final piece
      if (maxBodySize > 0 && received > maxBodySize) {
        content.release();
        refuse(new RequestRejection(ErrorKind.BODY_TOO_LARGE, "body above " + maxBodySize + " bytes"));
        return;
      }
      if (content instanceof LastHttpContent || content.decoderResult().isFailure()) {
        bodyOpen = false;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (bodyOpen && timer == null) {
      timer = ctx.executor().schedule(this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
    }
    ctx.read();
  }

  private void expired() {
    timer = null;
    if (bodyOpen && !refused && ctx.channel().isActive()) {
      refuse(new RequestRejection(ErrorKind.BODY_READ_TIMEOUT, "no request body bytes in time"));
    }
  }

  private void refuse(RequestRejection why) {
    refused = true;
    bodyOpen = false;
    cancel();
    LastHttpContent end = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    end.setDecoderResult(DecoderResult.failure(why));
    ctx.fireChannelRead(end);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
