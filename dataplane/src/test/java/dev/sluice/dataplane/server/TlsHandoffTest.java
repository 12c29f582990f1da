package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.tls.ClientHelloRejections;
import dev.sluice.dataplane.tls.HandshakeLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * A failed handshake on a terminated connection is counted and closed without anything reaching
 * the end of the pipeline. Found end to end (StreamOffloadScenarioTest): curl rejecting Sluice's
 * certificate answers with an alert, the SslHandler reports the failure as an event and then, in
 * the same read, as an exception, and that exception used to travel past the handoff to the
 * pipeline's tail, which logs a WARN with a stack trace for every such client.
 *
 * <p>A real (in-VM) transport rather than an EmbeddedChannel: the latter removes the handlers
 * synchronously on close, which a socket channel does not.
 */
class TlsHandoffTest {
  @Test
  void theExceptionThatFollowsAFailedHandshakeIsSwallowed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Counter failures = registry.counter(SluiceServer.HANDSHAKE_FAILURES);
    HandshakeLimiter limiter = new HandshakeLimiter(10, new ClientHelloRejections());
    List<Throwable> reachedTheEnd = new CopyOnWriteArrayList<>();
    SSLHandshakeException alert = new SSLHandshakeException("BAD_PACKET_LENGTH");
    DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    try {
      LocalAddress address = new LocalAddress("tls-handoff-test");
      new ServerBootstrap()
          .group(group)
          .channel(LocalServerChannel.class)
          .childHandler(
              new ChannelInitializer<LocalChannel>() {
                @Override
                protected void initChannel(LocalChannel ch) {
                  assertThat(limiter.tryAcquire()).isTrue(); // as the listener does
                  ch.pipeline()
                      .addLast(new FailingSsl(alert))
                      .addLast(new TlsHandoff(null, failures, limiter))
                      .addLast(
                          new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
                              reachedTheEnd.add(t);
                            }
                          });
                }
              })
          .bind(address)
          .sync();
      Channel client =
          new Bootstrap()
              .group(group)
              .channel(LocalChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .connect(address)
              .sync()
              .channel();
      client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {21})).sync();

      assertThat(client.closeFuture().await(5, TimeUnit.SECONDS)).isTrue(); // closed by the handoff
      assertThat(failures.count()).isEqualTo(1);
      assertThat(limiter.inProgress()).isZero();
      assertThat(reachedTheEnd).isEmpty();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** What the SslHandler does in one decode call when the client answers with an alert. */
  private static final class FailingSsl extends ChannelInboundHandlerAdapter {
    private final SSLHandshakeException alert;

    FailingSsl(SSLHandshakeException alert) {
      this.alert = alert;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(alert));
      ctx.fireExceptionCaught(new DecoderException(alert));
    }
  }
}
