package dev.sluice.dataplane.server;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.IdleCloses;
import dev.sluice.dataplane.proxy.ProxyErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Timeouts of a downstream keep-alive connection between requests:
 *
 * <ul>
 *   <li>idle: no byte of a next request within {@code idleTimeout} after the last response (or the
 *       accept) closes the connection silently, as every HTTP server does with keep-alive;
 *   <li>request head: once the first byte of a request arrived, its head must be complete within
 *       {@code requestHeaderTimeout}, or the client gets 408 and the connection closes (slowloris).
 * </ul>
 *
 * <p>It needs to see both raw bytes (first byte) and decoded messages (head complete, response
 * complete), so it sits after the codec and puts a small companion, {@link #firstByteHandler()},
 * before it. No timer runs while a request is being served: the proxy has its own per-route ones.
 *
 * <p>Thread safety: event loop of its channel only.
 */
final class RequestTimeoutHandler extends ChannelDuplexHandler {
  private final long idleNanos;
  private final long headerNanos;
  private final ProxyErrors errors;
  private final FirstByte firstByte = new FirstByte();
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private int inFlight; // requests whose head arrived and whose final response is not yet written
  private boolean readingHead;
  private boolean interim; // the response being written is a 1xx

  RequestTimeoutHandler(Duration idleTimeout, Duration requestHeaderTimeout, ProxyErrors errors) {
    this.idleNanos = idleTimeout.toNanos();
    this.headerNanos = requestHeaderTimeout.toNanos();
    this.errors = errors;
  }

  /** Goes before the HTTP codec. */
  ChannelInboundHandlerAdapter firstByteHandler() {
    return firstByte;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      schedule(idleNanos, false);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    schedule(idleNanos, false);
    ctx.fireChannelActive();
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

  private void onBytes() {
    if (inFlight == 0 && !readingHead) {
      readingHead = true;
      schedule(headerNanos, true);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      inFlight++;
      readingHead = false;
      cancel();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      interim = response.status().code() < 200 && response.status().code() != 101;
    }
    if (msg instanceof LastHttpContent && !interim && inFlight > 0 && --inFlight == 0) {
      schedule(idleNanos, false);
    }
    ctx.write(msg, promise);
  }

  private void schedule(long nanos, boolean head) {
    cancel();
    timer = ctx.executor().schedule(() -> expired(head), nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expired(boolean head) {
    timer = null;
    if (!ctx.channel().isActive() || inFlight > 0) {
      return;
    }
    if (head && readingHead) {
      errors.count(ErrorKind.REQUEST_HEADER_TIMEOUT);
      errors.log(
          ErrorKind.REQUEST_HEADER_TIMEOUT,
          "incomplete request head from " + ctx.channel().remoteAddress(),
          "-",
          null);
      ctx.writeAndFlush(ErrorResponses.of(HttpResponseStatus.REQUEST_TIMEOUT, ctx.alloc(), true))
          .addListener(ChannelFutureListener.CLOSE);
    } else if (!head) {
      errors.idleCloses().count(IdleCloses.Reason.KEEP_ALIVE);
      ctx.close();
    }
  }

  /** Notices the first byte of a request head; the codec is after it. */
  private final class FirstByte extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf && buf.isReadable()) {
        onBytes();
      }
      ctx.fireChannelRead(msg);
    }
  }
}
