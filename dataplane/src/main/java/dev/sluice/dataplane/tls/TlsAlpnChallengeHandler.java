package dev.sluice.dataplane.tls;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;

/**
 * What follows the {@link SslHandler} of a TLS-ALPN-01 validation connection: the handshake is the
 * whole answer (RFC 8737 §3: the validator checks the certificate and closes), so once it is over
 * this closes the connection, and any application data is dropped.
 *
 * <p>Sharable and stateless.
 */
@Sharable
public final class TlsAlpnChallengeHandler extends ChannelInboundHandlerAdapter {
  public static final TlsAlpnChallengeHandler INSTANCE = new TlsAlpnChallengeHandler();

  private TlsAlpnChallengeHandler() {}

  /**
   * For a {@link ClientHelloDispatcher}: when {@code challenges} has a context for {@code hello},
   * adds the TLS handler and this one after {@code ctx} and returns true (the connection is
   * handled); otherwise changes nothing and returns false.
   */
  public static boolean install(
      ChannelHandlerContext ctx, ClientHelloInfo hello, TlsAlpnChallenges challenges,
      Duration handshakeTimeout) {
    SslContext context = challenges.select(hello);
    if (context == null) {
      return false;
    }
    SslHandler ssl = context.newHandler(ctx.alloc());
    ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
    ctx.pipeline().addAfter(ctx.name(), "acme-tls", ssl);
    ctx.pipeline().addAfter("acme-tls", "acme-tls-close", INSTANCE);
    return true;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
