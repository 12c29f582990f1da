package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.proxy.IdleCloses;
import dev.sluice.dataplane.proxy.ProxyHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection-level duties of an HTTP/2 connection from a client, after the multiplexer:
 *
 * <ul>
 *   <li>reads continuously (AUTO_READ on): control frames and every stream depend on it;
 *   <li>raises the connection flow-control window from 65,535 to {@link
 *       H2Limits#connectionWindow()}, so streams stalled by slow upstreams cannot use up the
 *       connection's credit and starve the others;
 *   <li>closes the connection (GOAWAY NO_ERROR) when no stream has been open for {@link
 *       H2Limits#idleTimeout()}, which also covers a client that never sends its preface;
 *   <li>on {@link ProxyHandler.Drain} (server shutdown) sends GOAWAY and lets the streams in flight
 *       finish: Netty's graceful close, bounded by {@link H2Limits#gracefulShutdownTimeout()}.
 * </ul>
 *
 * <p>Thread safety: event loop of the connection only (Netty calls the stream listener there).
 */
final class H2ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(H2ConnectionHandler.class);

  private final Http2Connection connection;
  private final H2Limits limits;
  private final IdleCloses idleCloses;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> idleTimer;
  private int openStreams;
  private boolean started;

  H2ConnectionHandler(Http2Connection connection, H2Limits limits, IdleCloses idleCloses) {
    this.connection = connection;
    this.limits = limits;
    this.idleCloses = idleCloses;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    connection.addListener(
        new Http2ConnectionAdapter() {
          @Override
          public void onStreamActive(Http2Stream stream) {
            openStreams++;
            cancelIdle();
          }

          @Override
          public void onStreamClosed(Http2Stream stream) {
            if (--openStreams <= 0) {
              openStreams = 0;
              scheduleIdle();
            }
          }
        });
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    int increment = limits.connectionWindow() - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
    if (increment > 0) {
      // a WINDOW_UPDATE frame without a stream raises the connection window (Http2FrameCodec)
      ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(increment));
    }
    scheduleIdle();
    ctx.channel().config().setAutoRead(true);
  }

  private void scheduleIdle() {
    cancelIdle();
    if (ctx.channel().isActive()) {
      idleTimer =
          ctx.executor()
              .schedule(this::idle, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void cancelIdle() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  private void idle() {
    idleTimer = null;
    if (openStreams == 0 && ctx.channel().isActive()) {
      log.debug("h2 connection {} idle, closing", ctx.channel().remoteAddress());
      idleCloses.count(IdleCloses.Reason.H2);
      ctx.close(); // Http2ConnectionHandler: GOAWAY NO_ERROR, then close
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == ProxyHandler.Drain.INSTANCE) {
      ctx.close(); // GOAWAY with the last stream id; streams in flight finish
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // connection-level frames the codec passes on (SETTINGS, PING acks, GOAWAY from the client...)
    // are handled by Netty already; nothing of them is ours to keep
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelIdle();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      // a connection error the codec reports before it answers it itself (GOAWAY with the right
      // code, e.g. ENHANCE_YOUR_CALM for a rapid reset, then close): closing here would send
      // GOAWAY NO_ERROR first
      log.debug("h2 connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
      return;
    }
    if (cause instanceof IOException) {
      log.debug("h2 connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.warn("h2 connection {}: unexpected error", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }
}
