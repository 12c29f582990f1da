package dev.sluice.dataplane.server;

import dev.sluice.dataplane.tls.HandshakeLimiter;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits after the {@link SslHandler} of a terminated connection until the handshake is over, then
 * installs the HTTP handlers for the protocol ALPN chose and steps aside. A failed handshake (bad
 * client, timeout, no shared cipher) is counted and the connection closed, without a log line per
 * connection: a public port sees those all day.
 *
 * <p>Like Netty's {@code ApplicationProtocolNegotiationHandler}, but quiet on failures and it
 * starts the installed handlers with a {@code channelActive}, since the connection became active
 * before they existed.
 *
 * <p>It also gives back the connection's slot of the {@link HandshakeLimiter} exactly once, when
 * the handshake ends either way or the connection closes before that.
 *
 * <p>Per connection; event loop of the channel only.
 */
final class TlsHandoff extends ChannelInboundHandlerAdapter {

  /**
   * The ALPN protocols the HTTPS listener can serve; {@link SluiceServer#start} refuses TLS settings
   * that offer anything else.
   */
  static final List<String> SERVED_PROTOCOLS =
      List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  private static final Logger log = LoggerFactory.getLogger(TlsHandoff.class);

  private final HttpsListener listener;
  private final Counter handshakeFailures;
  private final HandshakeLimiter handshakes;
  private final ArrayDeque<Object> early = new ArrayDeque<>(2);
  private boolean done;
  /** The handshake failed: the connection is closing and what the SslHandler still reports is noise. */
  private boolean failed;
  /** True while this connection holds its slot of the handshake cap (taken by the listener). */
  private boolean holdsSlot = true;

  TlsHandoff(HttpsListener listener, Counter handshakeFailures, HandshakeLimiter handshakes) {
    this.listener = listener;
    this.handshakeFailures = handshakeFailures;
    this.handshakes = handshakes;
  }

  /** Gives back the handshake slot once: on completion, failure, close or removal. */
  private void releaseSlot() {
    if (holdsSlot) {
      holdsSlot = false;
      handshakes.release();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done) {
      ctx.fireChannelRead(msg);
    } else {
      early.add(msg); // SslHandler fires its completion event first; kept only to be safe
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof SslHandshakeCompletionEvent e) || done) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    done = true;
    releaseSlot();
    if (!e.isSuccess()) {
      failed = true;
      handshakeFailures.increment();
      log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), e.cause().toString());
      release();
      ctx.close();
      return;
    }
    String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      listener.installHttp2(ctx.pipeline());
    } else {
      // no ALPN, or http/1.1: acme-tls/1 is only offered by the challenge contexts, which the
      // listener installs without this handoff
      listener.installHttp1(ctx.pipeline());
    }
    ctx.fireChannelActive();
    Object msg;
    boolean replayed = false;
    while ((msg = early.poll()) != null) {
      ctx.fireChannelRead(msg);
      replayed = true;
    }
    if (replayed) {
      ctx.fireChannelReadComplete();
    }
    ctx.pipeline().remove(this);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (failed) {
      // The SslHandler fires the failure event first, then the same error as an exception (a
      // client rejecting the certificate with an alert, say). Already counted and closed: passing
      // it on would put a stack trace per bad client into the log via the pipeline's tail.
      return;
    }
    if (done) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    // handshake errors also arrive as SslHandshakeCompletionEvent; this only keeps them quiet
    log.debug("TLS error before handshake with {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseSlot();
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseSlot();
    release();
  }

  private void release() {
    Object msg;
    while ((msg = early.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }
}
