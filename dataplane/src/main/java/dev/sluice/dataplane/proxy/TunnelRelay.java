package dev.sluice.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Relays raw bytes from its channel to {@code peer}, for connections that left HTTP (WebSocket
 * after 101). One instance sits on each side. Reads are explicit: this side is read again only
 * while the peer can take more, and the peer's relay asks for a read here when the peer drains.
 * When either side closes, the other is closed after what was written to it is flushed.
 *
 * <p>Thread safety: both channels live on the same event loop; touched only there.
 */
final class TunnelRelay extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  /** Counts the idle timeout's close; null on the side without the idle timer. */
  private final IdleCloses idleCloses;
  private ChannelHandlerContext ctx;
  private ArrayDeque<ByteBuf> early = new ArrayDeque<>(2);

  TunnelRelay(Channel peer, IdleCloses idleCloses) {
    this.peer = peer;
    this.idleCloses = idleCloses;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Starts relaying once both pipelines carry raw bytes: forwards what arrived while the codecs
   * were being removed and asks for the first read.
   */
  void start() {
    ArrayDeque<ByteBuf> held = early;
    early = null;
    ByteBuf buf;
    while ((buf = held.poll()) != null) {
      forward(buf);
    }
    peer.flush();
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      if (early != null) {
        early.add(buf);
      } else {
        forward(buf);
      }
    } else {
      // codec leftovers such as the empty last content after a 101, or bytes for a closed peer
      ReferenceCountUtil.release(msg);
    }
  }

  private void forward(ByteBuf buf) {
    if (peer.isActive()) {
      peer.write(buf, peer.voidPromise());
    } else {
      buf.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (early != null) {
      early.forEach(ByteBuf::release);
      early.clear();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (early == null) {
      peer.flush();
      if (peer.isWritable()) {
        ctx.read();
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      peer.read();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    handlerRemoved(ctx);
    closeAfterFlush(peer);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent || evt == ProxyHandler.Drain.INSTANCE) {
      if (evt instanceof IdleStateEvent && idleCloses != null) {
        idleCloses.count(IdleCloses.Reason.UPGRADED);
      }
      ctx.close();
    } else {
      ReferenceCountUtil.release(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset on either side of a tunnel is the normal end of many WebSocket sessions
    ctx.close();
  }

  static void closeAfterFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
