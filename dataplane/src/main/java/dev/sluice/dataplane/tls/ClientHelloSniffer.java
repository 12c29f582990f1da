package dev.sluice.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler on the HTTPS port: peeks at the TLS ClientHello without consuming it, hands a
 * {@link ClientHelloInfo} to a {@link ClientHelloDispatcher} (which adds the passthrough or the
 * termination handlers), then removes itself; the bytes it held, ClientHello included, go on
 * untouched to whatever the dispatcher added.
 *
 * <p>Record reassembly (records split across TCP segments, a ClientHello spread over several
 * records) is Netty's {@link SslClientHelloHandler}; this class adds what a public port needs:
 *
 * <ul>
 *   <li>a size cap ({@link SnifferSettings#maxClientHelloLength()}, 16 KiB by default, checked on
 *       the declared handshake length, and at most {@link SnifferSettings#maxBufferedBytes()}
 *       buffered whatever the records declare),
 *   <li>a timeout from channel activation to a complete ClientHello (10 s by default),
 *   <li>a strict parse ({@link ClientHelloParser}) with a validated SNI host name,
 *   <li>a minimum offered version (TLS 1.2 by default; the client gets a protocol_version alert).
 * </ul>
 *
 * On any of these, or on bytes that are not TLS, the connection is closed and counted in {@link
 * ClientHelloRejections}; nothing is logged (a public port sees garbage all day).
 *
 * <p>Not sharable: one instance per connection. All state is touched only on the connection's
 * event loop.
 */
public final class ClientHelloSniffer extends SslClientHelloHandler<ClientHelloInfo> {

  private static final Logger log = LoggerFactory.getLogger(ClientHelloSniffer.class);

  /** TLS alert record: fatal (2), protocol_version (70); record version TLS 1.0 is what all accept. */
  private static final byte[] PROTOCOL_VERSION_ALERT = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70};

  /** Stackless and immutable, so one per reason is shared by all connections. */
  private static final Map<ClientHelloRejection, Rejected> REJECTED = new EnumMap<>(ClientHelloRejection.class);

  static {
    for (ClientHelloRejection r : ClientHelloRejection.values()) {
      REJECTED.put(r, new Rejected(r));
    }
  }

  private final ClientHelloDispatcher dispatcher;
  private final SnifferSettings settings;
  private final ClientHelloRejections rejections;

  /** Set once the connection is rejected or handed over; further input is dropped. */
  private boolean done;

  private ScheduledFuture<?> timeout;

  public ClientHelloSniffer(
      ClientHelloDispatcher dispatcher, SnifferSettings settings, ClientHelloRejections rejections) {
    super(settings.maxClientHelloLength());
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.settings = settings;
    this.rejections = Objects.requireNonNull(rejections, "rejections");
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    if (ctx.channel().isActive()) {
      startTimeout(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    startTimeout(ctx);
    super.channelActive(ctx);
  }

  private void startTimeout(ChannelHandlerContext ctx) {
    if (timeout == null && !done) {
      timeout =
          ctx.executor()
              .schedule(
                  () -> reject(ctx, ClientHelloRejection.TIMEOUT),
                  settings.timeout().toNanos(),
                  TimeUnit.NANOSECONDS);
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (done) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() > settings.maxBufferedBytes()) {
      // records may declare up to 64 KiB each; the base class only checks the handshake length
      in.skipBytes(in.readableBytes());
      reject(ctx, ClientHelloRejection.TOO_LARGE);
      return;
    }
    super.decode(ctx, in, out);
  }

  @Override
  protected Future<ClientHelloInfo> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
    // the base class passes null for anything that is not a ClientHello in a TLS handshake record
    if (clientHello == null) {
      return rejected(ctx, ClientHelloRejection.NOT_TLS);
    }
    ClientHelloInfo hello;
    try {
      hello = ClientHelloParser.parse(clientHello);
    } catch (MalformedClientHelloException e) {
      return rejected(
          ctx,
          e.invalidServerName()
              ? ClientHelloRejection.INVALID_SERVER_NAME
              : ClientHelloRejection.MALFORMED);
    }
    if (hello.highestVersion() < settings.minimumClientVersion()) {
      return rejected(ctx, ClientHelloRejection.PROTOCOL_VERSION);
    }
    return ctx.executor().newSucceededFuture(hello);
  }

  private static Future<ClientHelloInfo> rejected(
      ChannelHandlerContext ctx, ClientHelloRejection reason) {
    return ctx.executor().newFailedFuture(REJECTED.get(reason));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, Future<ClientHelloInfo> future) {
    if (done) {
      return;
    }
    if (!future.isSuccess()) {
      reject(
          ctx,
          future.cause() instanceof Rejected r ? r.reason : ClientHelloRejection.MALFORMED);
      return;
    }
    done = true;
    cancelTimeout();
    try {
      dispatcher.dispatch(ctx, future.getNow());
    } catch (Throwable t) {
      rejections.increment(ClientHelloRejection.DISPATCH_FAILED);
      log.warn("ClientHello dispatcher failed for {}; closing", ctx.channel().remoteAddress(), t);
      ctx.close();
      return;
    }
    if (ctx.channel().isOpen()) {
      // ByteToMessageDecoder forwards everything buffered to the next handler on removal
      ctx.pipeline().remove(this);
    }
  }

  private void reject(ChannelHandlerContext ctx, ClientHelloRejection reason) {
    if (done) {
      return;
    }
    done = true;
    cancelTimeout();
    rejections.increment(reason);
    if (reason == ClientHelloRejection.PROTOCOL_VERSION) {
      // tell the client why, so it reports "protocol version" rather than "connection reset"
      ctx.writeAndFlush(ctx.alloc().buffer(7).writeBytes(PROTOCOL_VERSION_ALERT))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The base class throws after closing the channel itself when the first record is not TLS or
    // the ClientHello exceeds the cap; its message holds a hex dump of the input, never logged.
    if (hasCause(cause, TooLongFrameException.class)) {
      reject(ctx, ClientHelloRejection.TOO_LARGE);
    } else if (hasCause(cause, NotSslRecordException.class)) {
      reject(ctx, ClientHelloRejection.NOT_TLS);
    } else {
      // I/O errors (connection reset) before a decision: channelInactive counts a truncation
      ctx.close();
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!done && actualReadableBytes() > 0) {
      // a load balancer's TCP health check sends nothing and is not counted; half a hello is
      reject(ctx, ClientHelloRejection.TRUNCATED);
    }
    done = true;
    cancelTimeout();
    super.channelInactive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    cancelTimeout();
    super.handlerRemoved0(ctx);
  }

  /** Carries the reason from {@link #lookup} to {@link #onLookupComplete}; no stack trace. */
  private static final class Rejected extends Exception {
    final ClientHelloRejection reason;

    Rejected(ClientHelloRejection reason) {
      super(reason.name(), null, false, false);
      this.reason = reason;
    }
  }
}
