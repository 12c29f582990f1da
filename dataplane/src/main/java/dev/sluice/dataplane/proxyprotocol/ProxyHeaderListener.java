package dev.sluice.dataplane.proxyprotocol;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * Receives the decoded {@link HAProxyMessage}, records the client address, and steps aside; or
 * closes the connection when the decoder failed, the peer left, or the header timeout passed.
 *
 * <p>Per connection; touched only by the channel's event loop.
 */
final class ProxyHeaderListener extends ChannelInboundHandlerAdapter {
  private final ProxyProtocolAcceptor acceptor;
  private final long timeoutNanos;
  private ScheduledFuture<?> timer;
  private boolean done;
  private boolean rejected;

  ProxyHeaderListener(ProxyProtocolAcceptor acceptor, long timeoutNanos) {
    this.acceptor = acceptor;
    this.timeoutNanos = timeoutNanos;
  }

  ProxyProtocolAcceptor acceptor() {
    return acceptor;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  if (!done) {
                    reject(ctx, acceptor.timeout);
                  }
                },
                timeoutNanos,
                TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelTimer();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg); // the connection is closing; nothing goes on
      return;
    }
    if (done || !(msg instanceof HAProxyMessage header)) {
      // Only the decoder's bytes-after-header can come here once done; they belong downstream.
      if (done) {
        ctx.fireChannelRead(msg);
      } else {
        ReferenceCountUtil.release(msg);
        reject(ctx, acceptor.malformed);
      }
      return;
    }
    InetSocketAddress client;
    try {
      client = accept(ctx.channel(), header);
    } finally {
      header.release();
    }
    done = true;
    cancelTimer();
    if (client != null && !acceptor.admission().admit(ctx.channel(), client.getAddress())) {
      // refused (e.g. that client is at its connection cap): the admission closed the channel and
      // counted it; nothing after the header may reach the handlers behind this one
      rejected = true;
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      // With explicit reads nobody else asks for more: the decoder fired a message this read, so
      // it will not, and the handlers after it (ClientHello sniffer, HTTP codec) have seen no
      // bytes yet. Without this, a header that arrives alone leaves the connection stalled.
      ctx.read();
    }
    // The decoder removes itself right after this returns and hands the rest of its buffer to
    // whatever follows; this handler must already be gone by then.
    ctx.pipeline().remove(this);
  }

  /** Counts and records the header; returns the client it names, or null when it names none. */
  private InetSocketAddress accept(Channel ch, HAProxyMessage header) {
    (header.protocolVersion() == HAProxyProtocolVersion.V1 ? acceptor.acceptedV1 : acceptor.acceptedV2)
        .increment();
    // LOCAL (health checks from the balancer itself) and UNKNOWN/UNIX/UDP: the spec says to use
    // the real connection endpoints, so the attributes stay unset.
    if (header.command() != HAProxyCommand.PROXY) {
      return null;
    }
    HAProxyProxiedProtocol p = header.proxiedProtocol();
    if (p != HAProxyProxiedProtocol.TCP4 && p != HAProxyProxiedProtocol.TCP6) {
      return null;
    }
    InetSocketAddress client = address(header.sourceAddress(), header.sourcePort());
    ch.attr(ClientAddress.KEY).set(client);
    ch.attr(ClientAddress.DESTINATION_KEY)
        .set(address(header.destinationAddress(), header.destinationPort()));
    return client;
  }

  /** The decoder validated the literal, so this never resolves a name. */
  private static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(
          InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(ip)), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("decoder passed an invalid address: " + ip, e);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (rejected) {
      // The connection is already closing. Closing makes the decoder parse what it still holds
      // (e.g. "GET / HTTP/1.1" after a garbled v1 line) and complain again; passed on, that would
      // reach the pipeline's tail and be logged once per hostile connection. Found by fuzzing.
      return;
    }
    if (done) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    // HAProxyProtocolException from the decoder (garbled header, over the size cap), or an I/O
    // error before the header arrived: either way the connection cannot be served.
    reject(ctx, acceptor.malformed);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      reject(ctx, acceptor.missing);
    }
    ctx.fireChannelInactive();
  }

  void reject(ChannelHandlerContext ctx, Counter reason) {
    if (done) {
      return;
    }
    done = true;
    rejected = true;
    cancelTimer();
    reason.increment();
    ctx.channel().close();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
