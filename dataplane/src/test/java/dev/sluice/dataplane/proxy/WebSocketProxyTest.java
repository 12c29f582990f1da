package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WebSocketProxyTest {
  static TestBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("ws");
    proxy = TestProxy.start();
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @Test
  void textAndBinaryMessagesEchoBothWaysThroughTheTunnel() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), recorder)
            .get(5, TimeUnit.SECONDS);
    for (int i = 0; i < 20; i++) {
      ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
      assertThat(recorder.next()).isEqualTo("hello " + i);
    }
    byte[] big = new byte[200_000]; // several frames' worth of TCP segments
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    ws.sendBinary(ByteBuffer.wrap(big), true).get(5, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("binary:" + big.length + ":" + java.util.Arrays.hashCode(big));
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
  }

  @Test
  void upgradeAnswerKeepsUpgradeHeadersAndNon101AnswersAreNormalResponses() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send(
                  "GET /ws HTTP/1.1\r\nHost: x.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(101);
      assertThat(r.header("upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(r.header("connection")).isEqualToIgnoringCase("upgrade");
      assertThat(r.header("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      // an upgrade to a path that is not a WebSocket endpoint: the backend answers 200, passed on
      RawHttp.Response r =
          c.send(
                  "GET /echo HTTP/1.1\r\nHost: x.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                      + "GET /echo?again HTTP/1.1\r\nHost: x.test\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).contains("\"upgrade\":\"websocket\"");
      assertThat(c.read().bodyText()).contains("/echo?again");
    }
  }

  @Test
  void clientAbortClosesTheUpstreamSideOfTheTunnel() throws Exception {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> backend.openConnections() == 0);
    Recorder recorder = new Recorder();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), recorder)
            .get(5, TimeUnit.SECONDS);
    ws.sendText("ping", true).get(5, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("ping");
    assertThat(backend.openConnections()).isEqualTo(1);
    ws.abort(); // TCP close without a close frame
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> backend.openConnections() == 0);
  }

  @Test
  void idleTunnelIsClosedAfterTheRouteUpgradedIdleTimeout() throws Exception {
    try (TestProxy shortIdle = TestProxy.start()) {
      shortIdle.publish(
          TestSnapshots.builder()
              .prefix(
                  "*",
                  "/",
                  new dev.sluice.dataplane.snapshot.RoutePolicy(
                      Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(300), false, null),
                  backend.endpoint())
              .build());
      Recorder recorder = new Recorder();
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(URI.create("ws://127.0.0.1:" + shortIdle.port() + "/ws"), recorder)
              .get(5, TimeUnit.SECONDS);
      ws.sendText("one", true).get(5, TimeUnit.SECONDS);
      assertThat(recorder.next()).isEqualTo("one");
      // the proxy cuts the idle tunnel: the client sees the TCP connection end without a close
      // frame, which the JDK client reports as 1006 (abnormal closure)
      assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1006);
      // counted once: sluice_connections_idle_closed_total{reason="upgraded"}
      assertThat(
              shortIdle.metrics()
                  .get(IdleCloses.METRIC)
                  .tag("reason", "upgraded")
                  .counter()
                  .count())
          .isEqualTo(1.0);
    }
  }

  /** Collects text messages, and binary ones as a length/hash summary. */
  static final class Recorder implements WebSocket.Listener {
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      binary.writeBytes(b);
      if (last) {
        byte[] all = binary.toByteArray();
        messages.add("binary:" + all.length + ":" + java.util.Arrays.hashCode(all));
        binary = new java.io.ByteArrayOutputStream();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    String next() throws InterruptedException {
      String m = messages.poll(5, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("no WebSocket message within 5 s");
      }
      return m;
    }
  }
}
