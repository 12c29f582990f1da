package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Total and per-client connection caps, over real sockets; the accept error counter. */
class ConnectionCapsTest {
  static TestBackend backend;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("caps");
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  @Test
  void connectionsAboveTheTotalCapAreClosedAtAcceptAndTheCapFreesOnClose() throws Exception {
    try (TestProxy proxy = TestProxy.start(b -> b.limits(Limits.builder().maxConnections(3).build()))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      List<RawHttp> open = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          open.add(served(proxy, "127.0.0.1"));
        }
        try (RawHttp fourth = RawHttp.connect(proxy.port())) {
          assertThat(fourth.closedByPeer()).isTrue();
        }
        assertThat(proxy.errors("connection_limit")).isEqualTo(1);
        open.remove(0).close();
        awaitActive(proxy, 2);
        open.add(servedOnceFreed(proxy, "127.0.0.1"));
      } finally {
        for (RawHttp c : open) {
          c.close();
        }
      }
    }
  }

  @Test
  void perClientCapCountsEachAddressApart() throws Exception {
    try (TestProxy proxy =
        TestProxy.start(b -> b.limits(Limits.builder().maxConnectionsPerIp(2).build()))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      List<RawHttp> open = new ArrayList<>();
      try {
        open.add(served(proxy, "127.0.0.1"));
        open.add(served(proxy, "127.0.0.1"));
        try (RawHttp third = connectFrom(proxy, "127.0.0.1")) {
          assertThat(third.closedByPeer()).isTrue();
        }
        // another client (a second loopback address) is not affected
        open.add(served(proxy, "127.0.0.2"));
        assertThat(proxy.errors("connection_limit")).isEqualTo(1);
      } finally {
        for (RawHttp c : open) {
          c.close();
        }
      }
    }
  }

  @Test
  void oneTotalCapCoversBothListeners() throws Exception {
    try (TestProxy proxy = TestProxy.start(b -> b.limits(Limits.builder().maxConnections(2).build()))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      try (RawHttp http = served(proxy, "127.0.0.1");
          Socket https = new Socket("127.0.0.1", proxy.httpsPort())) {
        awaitHttpsAccepted(proxy); // the HTTPS connection waits for its ClientHello, counted
        try (RawHttp third = RawHttp.connect(proxy.port())) {
          assertThat(third.closedByPeer()).isTrue();
        }
        assertThat(proxy.errors("connection_limit")).isEqualTo(1);
      }
    }
  }

  @Test
  void perClientCapCountsTheSourceAProxyProtocolHeaderNames() throws Exception {
    try (TestProxy proxy =
        TestProxy.start(
            b ->
                b.proxyProtocol(new ProxyProtocolSettings(true, List.of("127.0.0.0/8")))
                    .limits(Limits.builder().maxConnectionsPerIp(1).build()))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      // all three come from the one balancer address; only the header's source is capped
      try (RawHttp a = servedVia(proxy, "203.0.113.7");
          RawHttp b = servedVia(proxy, "203.0.113.8")) {
        try (RawHttp again = RawHttp.connect(proxy.port())) {
          again.send(proxyHeader("203.0.113.7") + "GET /echo HTTP/1.1\r\nHost: x.test\r\n\r\n");
          assertThat(again.closedByPeer()).isTrue();
        }
        assertThat(proxy.errors("connection_limit")).isEqualTo(1);
      }
    }
  }

  @Test
  void rebindMovesTheCountToTheProxyProtocolSource() throws Exception {
    ProxyErrors errors = new ProxyErrors(new SimpleMeterRegistry());
    ConnectionLimiter limiter = new ConnectionLimiter(100, 1, false, errors);
    InetAddress client = InetAddress.getByName("203.0.113.7");
    EmbeddedChannel first = new EmbeddedChannel();
    EmbeddedChannel second = new EmbeddedChannel();
    first.pipeline().addFirst(limiter);
    second.pipeline().addFirst(limiter);
    assertThat(limiter.open()).isEqualTo(2);
    assertThat(limiter.rebind(first, client)).isTrue();
    assertThat(limiter.open(client)).isEqualTo(1);
    assertThat(limiter.rebind(second, client)).isFalse();
    assertThat(second.isOpen()).isFalse();
    first.close();
    assertThat(limiter.open(client)).isZero();
    assertThat(limiter.open()).isZero();
  }

  @Test
  void failedAcceptsAreCountedAndPassedOnToNettysAcceptPause() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ProxyErrors errors = new ProxyErrors(registry);
    List<Throwable> passedOn = new ArrayList<>();
    EmbeddedChannel listener =
        new EmbeddedChannel(
            new AcceptErrorHandler(errors),
            new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable t) {
                passedOn.add(t);
              }
            });
    IOException emfile = new IOException("accept(..) failed: Too many open files");
    listener.pipeline().fireExceptionCaught(emfile);
    listener.pipeline().fireExceptionCaught(emfile);
    assertThat(passedOn).containsExactly(emfile, emfile);
    assertThat(registry.find(ProxyErrors.METRIC).tag("kind", ErrorKind.ACCEPT_ERROR.tag()).counter().count())
        .isEqualTo(2);
    listener.finishAndReleaseAll();
  }

  private static RawHttp served(TestProxy proxy, String from) throws IOException {
    RawHttp c = connectFrom(proxy, from);
    assertThat(c.send("GET /echo HTTP/1.1\r\nHost: x.test\r\n\r\n").read().status()).isEqualTo(200);
    return c;
  }

  /**
   * The cap frees when the server has processed the close, which the active-connections gauge can
   * show a moment before the limiter's own count drops: retry a refused connection for a while.
   */
  private static RawHttp servedOnceFreed(TestProxy proxy, String from)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        return served(proxy, from);
      } catch (IOException | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  private static RawHttp servedVia(TestProxy proxy, String source) throws IOException {
    RawHttp c = RawHttp.connect(proxy.port());
    c.send(proxyHeader(source) + "GET /echo HTTP/1.1\r\nHost: x.test\r\n\r\n");
    assertThat(c.read().status()).isEqualTo(200);
    return c;
  }

  private static String proxyHeader(String source) {
    return "PROXY TCP4 " + source + " 10.0.0.1 40000 80\r\n";
  }

  private static void awaitHttpsAccepted(TestProxy proxy) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      var gauge =
          proxy.metrics().find("sluice.downstream.connections.active").tag("listener", "https").gauge();
      if (gauge != null && gauge.value() >= 1) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the HTTPS connection was never accepted");
  }

  private static RawHttp connectFrom(TestProxy proxy, String from) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
    return RawHttp.wrap(s);
  }

  private static void awaitActive(TestProxy proxy, int n) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      var gauge =
          proxy.metrics().find("sluice.downstream.connections.active").tag("listener", "http").gauge();
      if (gauge != null && gauge.value() <= n) {
        return;
      }
      Thread.sleep(10);
    }
  }
}
