package dev.sluice.dataplane.passthrough;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The relay's handler on one of its two channels; forwards events to the {@link RelaySession}.
 *
 * <p>Per channel; touched only by the shared event loop.
 */
final class RelaySide extends ChannelInboundHandlerAdapter {
  private final RelaySession session;
  private final boolean isDown;

  RelaySide(RelaySession session, boolean isDown) {
    this.session = session;
    this.isDown = isDown;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      session.read(isDown, buf);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.readComplete(isDown);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    session.writabilityChanged(isDown);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      session.inputShutdown(isDown);
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.inactive(isDown);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.failed(cause);
  }
}
