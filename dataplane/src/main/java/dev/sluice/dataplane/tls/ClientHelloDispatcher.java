package dev.sluice.dataplane.tls;

import io.netty.channel.ChannelHandlerContext;

/**
 * Decides what happens to a TLS connection once its ClientHello is known: SNI passthrough to a
 * backend, or termination with the certificate for that name. Called by {@link ClientHelloSniffer}
 * on the connection's event loop, exactly once per connection; must not block.
 *
 * <p>Contract: add the handlers that take over after the sniffer, e.g. {@code
 * ctx.pipeline().addAfter(ctx.name(), "tls", sslContext.newHandler(ctx.alloc()))} or a passthrough
 * relay, and return. Do not remove the sniffer: once this method returns it removes itself and
 * forwards every byte it buffered, ClientHello included, unchanged to the handler(s) added. To
 * refuse the connection, close {@code ctx.channel()}; a thrown exception also closes it (counted as
 * {@link ClientHelloRejection#DISPATCH_FAILED} and logged, since it is a bug).
 */
@FunctionalInterface
public interface ClientHelloDispatcher {

  /**
   * @param ctx the sniffer's context; {@code ctx.name()} is where new handlers go
   * @param hello what the client asked for
   */
  void dispatch(ChannelHandlerContext ctx, ClientHelloInfo hello) throws Exception;
}
