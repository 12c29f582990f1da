package dev.sluice.dataplane.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks that a connection starts with a PROXY v1 ({@code "PROXY "}) or v2 (12-byte signature)
 * prefix before {@link io.netty.handler.codec.haproxy.HAProxyMessageDecoder} sees it, because the
 * decoder assumes v1 for anything that is not v2 and would wait for a line end (up to 108 bytes or
 * the header timeout) on a client that speaks TLS directly. Passes bytes on unchanged and removes
 * itself as soon as the prefix is proven.
 *
 * <p>Per connection; touched only by the channel's event loop.
 */
final class ProxyHeaderGate extends ChannelInboundHandlerAdapter {
  private static final byte[] V1 = {'P', 'R', 'O', 'X', 'Y', ' '};
  private static final byte[] V2 = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private final ProxyHeaderListener listener;
  private int seen;
  private boolean v1 = true;
  private boolean v2 = true;

  ProxyHeaderGate(ProxyHeaderListener listener) {
    this.listener = listener;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    int base = buf.readerIndex();
    int n = buf.readableBytes();
    for (int i = 0; i < n && !proven(); i++) {
      byte b = buf.getByte(base + i);
      v1 &= seen < V1.length && V1[seen] == b;
      v2 &= seen < V2.length && V2[seen] == b;
      seen++;
      if (!v1 && !v2) {
        ReferenceCountUtil.release(buf);
        listener.reject(ctx, listener.acceptor().missing);
        return;
      }
    }
    boolean done = proven();
    ctx.fireChannelRead(buf);
    if (done && ctx.channel().isOpen()) {
      ctx.pipeline().remove(this);
    }
  }

  private boolean proven() {
    return (v1 && seen >= V1.length) || (v2 && seen >= V2.length);
  }
}
