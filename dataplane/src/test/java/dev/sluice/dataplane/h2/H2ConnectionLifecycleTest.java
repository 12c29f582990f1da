package dev.sluice.dataplane.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.testing.PatternStream;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestSnapshots;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Idle timeout, graceful drain, header list limit and 100-continue of HTTP/2 connections. */
class H2ConnectionLifecycleTest {
  private static TestBackend backend;
  private static H2TestServer server;

  @BeforeAll
  static void start() throws Exception {
    backend = TestBackend.start("a");
    server =
        new H2TestServer(
            H2Limits.builder().idleTimeout(Duration.ofMillis(400)).maxHeaderListSize(4096).build());
    server.publish(TestSnapshots.catchAll(backend.endpoint()));
  }

  @AfterAll
  static void stop() {
    server.close();
    backend.close();
  }

  @Test
  void idleConnectionIsClosedWithGoAwayNoError() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      H2FrameClient.Answer answer = raw.send(H2FrameClient.get(server.port(), "/echo"));
      assertThat(answer.headers.get(5, TimeUnit.SECONDS).status().toString()).isEqualTo("200");

      H2FrameClient.GoAway goAway = raw.goAway.get(5, TimeUnit.SECONDS);
      assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
      await().atMost(Duration.ofSeconds(5)).until(() -> !raw.channel.isActive());
    }
    // counted as an idle close and as a GOAWAY NO_ERROR (other tests of the class may add more)
    assertThat(
            server.metrics
                .get(dev.sluice.dataplane.proxy.IdleCloses.METRIC)
                .tag("reason", "h2")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1.0);
    assertThat(server.goAwaysSent("no_error")).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void anOpenStreamKeepsTheConnectionPastTheIdleTimeout() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      // 5 ticks 200 ms apart: the stream is open for about a second, more than twice the timeout
      H2FrameClient.Answer answer = raw.send(H2FrameClient.get(server.port(), "/drip?chunks=5&ms=200"));
      assertThat(answer.end.get(10, TimeUnit.SECONDS).toString()).isEqualTo("tick\n".repeat(5));
      assertThat(raw.goAway).isNotCompleted();
    }
  }

  @Test
  void drainSendsGoAwayAndLetsTheStreamInFlightFinish() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      H2FrameClient.Answer slow = raw.send(H2FrameClient.get(server.port(), "/slow?ms=300"));
      await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() > 0 && server.connections.size() > 0);
      for (Channel ch : server.connections) {
        ch.pipeline().fireUserEventTriggered(ProxyHandler.Drain.INSTANCE);
      }

      H2FrameClient.GoAway goAway = raw.goAway.get(5, TimeUnit.SECONDS);
      assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
      assertThat(slow.end.get(5, TimeUnit.SECONDS).toString()).isEqualTo("slow 300");
      await().atMost(Duration.ofSeconds(5)).until(() -> !raw.channel.isActive());
    }
  }

  @Test
  void headerListOverTheLimitGets431AndFarOverItGoAway() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      // limit 4096: Netty answers 431 up to 25 % over it, and closes the connection beyond that
      Http2Headers big = H2FrameClient.get(server.port(), "/echo").add("x-big", "x".repeat(4300));
      H2FrameClient.Answer answer = raw.send(big);

      assertThat(answer.headers.get(5, TimeUnit.SECONDS).status().toString()).isEqualTo("431");
      H2FrameClient.Answer next = raw.send(H2FrameClient.get(server.port(), "/echo"));
      assertThat(next.headers.get(5, TimeUnit.SECONDS).status().toString()).isEqualTo("200");

      raw.send(H2FrameClient.get(server.port(), "/echo").add("x-big", "x".repeat(8000)));
      assertThat(raw.goAway.get(5, TimeUnit.SECONDS).errorCode())
          .isNotEqualTo(Http2Error.NO_ERROR.code());
      await().atMost(Duration.ofSeconds(5)).until(() -> !raw.channel.isActive());
    }
  }

  @Test
  void connectionWindowIsRaisedToStreamsTimesStreamWindow() throws Exception {
    try (H2FrameClient raw = new H2FrameClient(server.port())) {
      H2FrameClient.Answer answer = raw.send(H2FrameClient.get(server.port(), "/echo"));
      assertThat(answer.headers.get(5, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
      int checked = 0;
      for (Channel ch : server.connections) {
        if (ch.isActive() && ch.pipeline().get(Http2FrameCodec.class) != null) {
          Http2Connection c = ch.pipeline().get(Http2FrameCodec.class).connection();
          int window =
              ch.eventLoop()
                  .submit(() -> c.local().flowController().windowSize(c.connectionStream()))
                  .get(5, TimeUnit.SECONDS);
          assertThat(window)
              .isEqualTo(H2Limits.DEFAULT_MAX_CONCURRENT_STREAMS * H2Limits.DEFAULT_INITIAL_STREAM_WINDOW);
          checked++;
        }
      }
      assertThat(checked).isPositive();
    }
  }

  @Test
  void expectContinueIsAnsweredOverH2() throws Exception {
    try (HttpClient client = TrustingClients.http2(server.certificate)) {
      long n = 200_000;
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/upload"))
                  .expectContinue(true)
                  .timeout(Duration.ofSeconds(10))
                  .POST(
                      HttpRequest.BodyPublishers.fromPublisher(
                          HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(n)), n))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.body()).isEqualTo("bytes=" + n + " crc32=" + TestBackend.patternCrc(n));
    }
  }
}
