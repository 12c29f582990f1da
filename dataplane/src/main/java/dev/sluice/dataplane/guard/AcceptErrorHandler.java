package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.ProxyErrors;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a listening (server) channel: counts failed accepts ({@link ErrorKind#ACCEPT_ERROR}) and logs
 * them at most once per {@link #LOG_INTERVAL_SECONDS} seconds, then passes the failure on.
 *
 * <p>Why no own backoff: when accept() fails (typically EMFILE, "Too many open files", once the
 * process is out of file descriptors) Netty's {@code ServerBootstrap} acceptor, which follows this
 * handler, turns the listener's auto-read off and back on one second later (checked in 4.2.18:
 * {@code ServerBootstrapAcceptor.exceptionCaught}). The listener therefore does not spin on a
 * socket it cannot accept; pending connections wait in the kernel backlog. This handler must
 * therefore fire the exception on, never swallow it.
 *
 * <p>Thread safety: the listener's event loop; the log throttle is an atomic.
 */
@ChannelHandler.Sharable
public final class AcceptErrorHandler extends ChannelInboundHandlerAdapter {
  public static final String NAME = "accept-errors";
  static final long LOG_INTERVAL_SECONDS = 10;

  private static final Logger log = LoggerFactory.getLogger(AcceptErrorHandler.class);
  private final ProxyErrors errors;
  private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());

  public AcceptErrorHandler(ProxyErrors errors) {
    this.errors = errors;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    errors.count(ErrorKind.ACCEPT_ERROR);
    long now = System.nanoTime();
    long next = nextLogNanos.get();
    if (now - next >= 0
        && nextLogNanos.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS))) {
      log.warn(
          "accept on {} failed, accepting pauses for 1 s (out of file descriptors? raise ulimit -n"
              + " or lower --max-connections): {}",
          ctx.channel().localAddress(),
          cause.toString());
    }
    ctx.fireExceptionCaught(cause);
  }
}
