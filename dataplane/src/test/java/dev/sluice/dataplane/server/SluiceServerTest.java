package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SluiceServerTest {

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"AUTO", "EPOLL", "NIO"})
  void servesThroughEveryAvailableTransport(Transport transport) throws Exception {
    try (TestBackend backend = TestBackend.start("t");
        TestProxy proxy = TestProxy.start(b -> b.transport(transport))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      assertThat(RawHttp.get(proxy.port(), "a.test", "/echo").bodyText()).contains("\"backend\":\"t\"");
      String expected =
          transport == Transport.NIO ? "nio" : transport == Transport.EPOLL || Epoll.isAvailable() ? "epoll" : "nio";
      assertThat(proxy.server().transport()).isEqualTo(expected);
    }
  }

  @Test
  void ioUringWithoutItsNativeModuleIsAClearError() {
    ServerSettings settings =
        ServerSettings.builder().bindAddress("127.0.0.1").httpPort(0).transport(Transport.IO_URING).build();
    assertThatThrownBy(() -> SluiceServer.start(settings, new SnapshotHolder(), new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("IO_URING");
  }

  @Test
  void closeLetsTheResponseInFlightFinish() throws Exception {
    try (TestBackend backend = TestBackend.start("slow")) {
      TestProxy proxy = TestProxy.start();
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        c.send("GET /slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\n");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() == 1);
        Thread closer = Thread.ofPlatform().start(() -> proxy.server().close(Duration.ofSeconds(5)));
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("slow 300");
        assertThat(r.header("connection")).isEqualTo("close");
        closer.join();
      }
    }
  }
}
