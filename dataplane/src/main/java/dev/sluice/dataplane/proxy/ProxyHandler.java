package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.http.ErrorResponses;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a downstream HTTP/1.1 connection: turns each request into an {@link
 * Exchange} with an upstream, one at a time. Reads are explicit (AUTO_READ off): the next request
 * is read only when the previous response is done, and body chunks only while the upstream can
 * take them. Requests a client pipelines are held (they can only be what one read returned) and
 * served in order.
 *
 * <p>Thread safety: event loop of the downstream channel only.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
  /** Pipeline names the server uses; the tunnel switch removes them by name. */
  public static final String CODEC = "http";

  public static final String FIRST_BYTE = "first-byte";
  public static final String TIMEOUTS = "timeouts";
  public static final String PROXY = "proxy";

  /** A request body Sluice does not forward is read and dropped up to this size, then we close. */
  static final long MAX_DISCARD = 1 << 20;

  private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

  private final ProxyConfig config;
  private ChannelHandlerContext ctx;
  private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
  private Exchange exchange;
  private boolean requestOpen; // the latest request's body has not fully arrived
  private boolean discarding; // ... and what remains of it is dropped
  private long discarded;
  private boolean draining;
  private boolean closing;

  public ProxyHandler(ProxyConfig config) {
    this.config = config;
  }

  ProxyConfig config() {
    return config;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  boolean draining() {
    return draining;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    // once the channel is gone (e.g. after a 408), the codec's last words are a premature-close
    // failure: nothing to answer, nothing to count
    if (closing || !ctx.channel().isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (requestOpen && msg instanceof HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (last) {
        requestOpen = false;
      }
      if (discarding) {
        discard(content, last);
      } else {
        exchange.onRequestContent(content, last);
      }
      return;
    }
    if (exchange != null) {
      pipelined.add(msg); // a pipelined request waits for the current response
      return;
    }
    if (msg instanceof HttpRequest request) {
      requestOpen = !(request instanceof LastHttpContent);
      if (request.decoderResult().isFailure()) {
        try {
          rejectMalformed(request, request.decoderResult().cause());
        } finally {
          ReferenceCountUtil.release(request);
        }
        return;
      }
      FullHttpResponse challenge =
          AcmeHttp01.answer(request, config.snapshots().current().snapshot().acmeChallenges(), ctx.alloc());
      if (challenge != null) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        LocalAnswerLog.log(ctx, config.accessLog(), request, challenge.status().code(),
            challenge.content().readableBytes());
        ReferenceCountUtil.release(request);
        respond(challenge, keepAlive);
        return;
      }
      exchange = new Exchange(this, request);
      exchange.start();
    } else {
      ReferenceCountUtil.release(msg); // content of a request already rejected
    }
  }

  private void discard(HttpContent content, boolean last) {
    discarded += content.content().readableBytes();
    boolean refused = content.decoderResult().isFailure(); // hardening: bad or over-limit body
    content.release();
    if (refused) {
      close();
    } else if (last) {
      discarding = false;
      discarded = 0;
      nextRequest();
    } else if (discarded > MAX_DISCARD) {
      close();
    }
  }

  /** Answers a request head that cannot be served as it is; {@code request} is the caller's. */
  private void rejectMalformed(HttpRequest request, Throwable cause) {
    ErrorKind kind =
        cause instanceof RequestRejection rejection
            ? rejection.kind() // hardening: refused by a guard (dev.sluice.dataplane.guard)
            : cause instanceof TooLongHttpHeaderException
            ? ErrorKind.HEADERS_TOO_LARGE
            : cause instanceof TooLongHttpLineException
                ? ErrorKind.URI_TOO_LONG
                : cause instanceof TooLongFrameException
                    ? ErrorKind.HEADERS_TOO_LARGE
                    : ErrorKind.BAD_REQUEST;
    config.errors().count(kind);
    config.errors().log(kind, "malformed request from " + ctx.channel().remoteAddress(), "-", cause);
    // the decoder cannot find the next request after garbage: always close
    FullHttpResponse page = ErrorResponses.of(kind.status(), ctx.alloc(), true);
    LocalAnswerLog.log(ctx, config.accessLog(), request, kind.status().code(),
        page.content().readableBytes());
    exchangeEnded(ctx.writeAndFlush(page), false);
  }

  /**
   * Answers the current request with Sluice's own error page and ends it. Called by the exchange
   * before anything of the upstream's response went downstream.
   */
  void respondLocal(ErrorKind kind, boolean keepAlive) {
    boolean keep = keepAlive && !draining;
    FullHttpResponse page = ErrorResponses.of(kind.status(), ctx.alloc(), !keep);
    exchangeEnded(ctx.writeAndFlush(page), keep);
  }

  /**
   * Answers the current request with {@code response}, made here (an HTTPS redirect), and ends
   * it; {@code Connection: close} is added when the connection ends with it.
   */
  void respond(FullHttpResponse response, boolean keepAlive) {
    boolean keep = keepAlive && !draining;
    if (!keep) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    exchangeEnded(ctx.writeAndFlush(response), keep);
  }

  /**
   * The current exchange is over downstream (its last response bytes were handed to {@code
   * written}). Serves the next request, or closes when keep-alive ends here.
   */
  void exchangeEnded(io.netty.channel.ChannelFuture written, boolean keepAlive) {
    exchange = null;
    if (!keepAlive || draining) {
      closing = true;
      releasePipelined();
      written.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (requestOpen) {
      // answered before the request body was read (an error, or an early upstream response): the
      // rest of the body must be consumed before the next request can be parsed.
      discarding = true;
      ctx.read();
      return;
    }
    nextRequest();
  }

  /** The response was cut after its head: nothing sensible can follow on this connection. */
  void exchangeAborted() {
    exchange = null;
    close();
  }

  private void nextRequest() {
    while (exchange == null && !closing && !pipelined.isEmpty()) {
      dispatch(pipelined.poll());
      // a request started from the backlog may consume its queued body right away
      while (requestOpen && !pipelined.isEmpty() && pipelined.peek() instanceof HttpContent) {
        dispatch(pipelined.poll());
      }
    }
    if (exchange == null && !closing && !discarding) {
      ctx.read();
    }
  }

  /**
   * Leaves HTTP (after a 101): installs the idle timeout and the byte relay and removes the HTTP
   * handlers except the codec, which the caller removes once the upstream side is ready too.
   */
  void leaveHttp(TunnelRelay relay, Duration idleTimeout) {
    exchange = null;
    closing = true; // nothing more reaches this handler as HTTP
    releasePipelined();
    ChannelPipeline p = ctx.pipeline();
    p.addLast(
        "tunnel-idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    p.addLast("tunnel", relay);
    if (p.get(FIRST_BYTE) != null) {
      p.remove(FIRST_BYTE);
    }
    if (p.get(TIMEOUTS) != null) {
      p.remove(TIMEOUTS);
    }
    p.remove(this);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.onDownstreamReadComplete();
    } else if (discarding) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.onDownstreamWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == Drain.INSTANCE) {
      draining = true;
      if (exchange == null) {
        close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    releasePipelined();
    if (exchange != null) {
      Exchange e = exchange;
      exchange = null;
      e.onDownstreamClosed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("downstream {}: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.warn("downstream {}: unexpected error", ctx.channel().remoteAddress(), cause);
    }
    close();
  }

  private void close() {
    closing = true;
    releasePipelined();
    ctx.close();
  }

  private void releasePipelined() {
    Object msg;
    while ((msg = pipelined.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** User event: the server is shutting down; close after the response in flight. */
  public enum Drain {
    INSTANCE
  }
}
