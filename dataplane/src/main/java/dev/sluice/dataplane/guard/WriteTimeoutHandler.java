package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.ProxyErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a downstream connection that stayed unwritable (its outbound buffer above the high water
 * mark: the client stopped reading) for {@code writeTimeout} without a break. The proxy stops
 * reading the upstream while the downstream is unwritable, so such a client would otherwise hold
 * an upstream connection and a buffer's worth of memory forever. Closing the downstream ends the
 * exchange, which discards its upstream connection. A client that reads slowly but steadily keeps
 * turning the channel writable again and is never cut. Counted as {@link
 * ErrorKind#WRITE_TIMEOUT}. Stays in the pipeline after an upgrade: tunnels get the same rule.
 *
 * <p>Thread safety: event loop of its channel only.
 */
public final class WriteTimeoutHandler extends ChannelInboundHandlerAdapter {
  public static final String NAME = "write-timeout";

  private final long timeoutNanos;
  private final ProxyErrors errors;
  private ScheduledFuture<?> timer;

  public WriteTimeoutHandler(Duration writeTimeout, ProxyErrors errors) {
    this.timeoutNanos = writeTimeout.toNanos();
    this.errors = errors;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable()) {
      if (timer == null) {
        timer = ctx.executor().schedule(() -> expired(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
      }
    } else {
      cancel();
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void expired(ChannelHandlerContext ctx) {
    timer = null;
    if (ctx.channel().isActive() && !ctx.channel().isWritable()) {
      errors.count(ErrorKind.WRITE_TIMEOUT);
      errors.log(
          ErrorKind.WRITE_TIMEOUT,
          "client " + ctx.channel().remoteAddress() + " stopped reading its response",
          "-",
          null);
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
