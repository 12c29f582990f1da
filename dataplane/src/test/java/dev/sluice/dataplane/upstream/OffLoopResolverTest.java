package dev.sluice.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Host names are looked up off the event loop, and the answer comes back on it. */
class OffLoopResolverTest {

  @Test
  void aLookupCompletesWhileTheLoopIsBusyAndItsListenerRunsOnTheLoop() throws Exception {
    EventLoop loop = new DefaultEventLoop();
    try {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch busy = new CountDownLatch(1);
      loop.execute(
          () -> {
            busy.countDown();
            try {
              release.await(10, TimeUnit.SECONDS); // the loop can run nothing else meanwhile
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();

      // the name lookup itself, which Netty's default resolver would run on the loop
      Future<java.net.InetAddress> f = OffLoopResolver.INSTANCE.nameResolver(loop).resolve("localhost");
      AtomicReference<Thread> notifiedOn = new AtomicReference<>();
      CountDownLatch notified = new CountDownLatch(1);
      f.addListener(
          x -> {
            notifiedOn.set(Thread.currentThread());
            notified.countDown();
          });
      // resolved by the lookup pool although the loop is blocked: it never ran on the loop
      assertThat(f.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(f.isSuccess()).as("%s", f.cause()).isTrue();
      assertThat(f.getNow().isLoopbackAddress()).isTrue();
      assertThat(notified.getCount()).as("listeners wait for the loop").isEqualTo(1);

      release.countDown();
      assertThat(notified.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(loop.inEventLoop(notifiedOn.get())).isTrue();

      // and the socket-address resolver connects use hands back a resolved address
      Future<InetSocketAddress> address =
          OffLoopResolver.INSTANCE
              .getResolver(loop)
              .resolve(InetSocketAddress.createUnresolved("localhost", 8080));
      assertThat(address.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(address.getNow().isUnresolved()).isFalse();
      assertThat(address.getNow().getPort()).isEqualTo(8080);
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void anUnknownNameFailsTheConnectWithUnknownHost() throws Exception {
    EventLoop loop = new DefaultEventLoop();
    try {
      Future<InetSocketAddress> f =
          OffLoopResolver.INSTANCE
              .getResolver(loop)
              .resolve(InetSocketAddress.createUnresolved("no-such-host.invalid", 80));
      assertThat(f.await(15, TimeUnit.SECONDS)).isTrue();
      assertThat(f.isSuccess()).isFalse();
      assertThat(f.cause()).isInstanceOf(java.net.UnknownHostException.class);
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
