package dev.sluice.dataplane.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Sits after the TLS handler of an h2-over-TLS upstream connection until the handshake ends, and
 * only then lets HTTP/2 in: when the server selected {@code h2} in ALPN it installs the frame codec
 * (which sends the preface) and steps aside; otherwise nothing HTTP/2 ever goes on the wire (an
 * HTTP/1.1 server would take the preface for a bad request) and the connection's leases fail with
 * an {@link SSLException} naming what was selected, which the proxy answers as 502 upstream_tls.
 *
 * <p>The codec cannot simply sit behind the TLS handler from the start: its preface would wait in
 * the TLS handler and go out with the client's Finished, before ALPN could be checked.
 *
 * <p>Thread safety: the connection's event loop only.
 */
final class H2TlsGate extends ChannelInboundHandlerAdapter {
  private final SslHandler tls;
  private final H2Connection connection;
  private final Consumer<ChannelHandlerContext> installH2;
  private final Consumer<Throwable> failed;
  /** Decrypted messages that arrived before the handshake event (kept in order, normally none). */
  private List<Object> early;

  /**
   * @param installH2 adds the HTTP/2 handlers after this one (the connection handler last)
   * @param failed told once why the connection will not carry HTTP/2 (it is closed by the gate)
   */
  H2TlsGate(
      SslHandler tls,
      H2Connection connection,
      Consumer<ChannelHandlerContext> installH2,
      Consumer<Throwable> failed) {
    this.tls = tls;
    this.connection = connection;
    this.installH2 = installH2;
    this.failed = failed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (early == null) {
      early = new ArrayList<>(2);
    }
    early.add(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof SslHandshakeCompletionEvent done)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    Throwable cause = done.cause();
    if (cause == null) {
      String selected = tls.applicationProtocol();
      if (ApplicationProtocolNames.HTTP_2.equals(selected)) {
        installH2.accept(ctx);
        List<Object> pending = early;
        early = null;
        if (pending != null) {
          pending.forEach(ctx::fireChannelRead); // to the codec, now next in line
        }
        ctx.pipeline().remove(this);
        connection.connected(ctx.channel());
        return;
      }
      cause =
          new SSLException(
              "upstream "
                  + connection.endpoint().authority()
                  + " did not select h2 in ALPN (selected: "
                  + (selected == null ? "none" : selected)
                  + ")");
    }
    failed.accept(cause);
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // the TLS handler reports handshake failures as an event too; anything else closes the channel,
    // whose handshake (if still running) then fails with an event
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
  }
}
