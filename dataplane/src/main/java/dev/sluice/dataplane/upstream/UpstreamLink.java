package dev.sluice.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream channel and the handle by which an exchange leases it. While
 * leased it forwards every event to the exchange's {@link UpstreamListener}; while idle in the pool
 * it watches the connection: a close removes it from the pool, unexpected bytes close it (a server
 * may not speak before it is asked).
 *
 * <p>The same handler ends the pipeline of an HTTP/2 stream to an h2c upstream (see {@link
 * H2Pool}); there the channel is the stream, and releasing or discarding it ends the stream while
 * the connection stays with its pool.
 *
 * <p>Thread safety: event loop of its channel only.
 */
public final class UpstreamLink extends ChannelInboundHandlerAdapter {
  private final LinkHome pool;
  private final String key;
  private Channel channel;
  private UpstreamListener listener;
  private boolean reused;
  /** Nanotime at which the link last went idle; read by the pool's eviction sweep. */
  long idleSince;

  UpstreamLink(LinkHome pool, String key) {
    this.pool = pool;
    this.key = key;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  public Channel channel() {
    return channel;
  }

  /** True when this connection served an earlier request (it may have been closed meanwhile). */
  public boolean reused() {
    return reused;
  }

  /** The stream runs on a connection that carried earlier streams (an HTTP/2 link). */
  void markReused() {
    reused = true;
  }

  String key() {
    return key;
  }

  /** Hands the channel to {@code l} until {@link #release} or {@link #discard}. */
  public void attach(UpstreamListener l) {
    listener = l;
  }

  /**
   * Gives the connection back for reuse. Only call after a response was read completely and the
   * request was sent completely, with both sides agreeing on keep-alive.
   */
  public void release() {
    listener = null;
    reused = true;
    pool.release(this);
  }

  /** Ends the lease and closes the connection (its state is unknown or it must not be reused). */
  public void discard() {
    listener = null;
    channel.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamListener l = listener;
    if (l != null) {
      l.onUpstreamRead(msg);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamListener l = listener;
    if (l != null) {
      l.onUpstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamListener l = listener;
    if (l != null) {
      l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    UpstreamListener l = listener;
    listener = null;
    if (l != null) {
      l.onUpstreamInactive();
    } else {
      pool.remove(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    UpstreamListener l = listener;
    if (l != null) {
      l.onUpstreamException(cause);
    }
    ctx.close();
  }
}
