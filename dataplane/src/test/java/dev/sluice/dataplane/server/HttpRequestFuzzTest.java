package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.dataplane.upstream.UpstreamPools;
import dev.sluice.testing.BoundedFuzz;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the HTTP/1.1 request path: raw bytes into the real downstream pipeline ({@link
 * DownstreamInitializer}: traffic counter, timeouts, {@code HttpServerCodec} with the server's
 * decoder limits, {@code ProxyHandler}) on an embedded channel, with a snapshot whose backends have
 * no ready endpoint. So every request runs decode → validation → route lookup → local answer
 * (404 no route, 503 no endpoint, 4xx for what the decoder or the proxy refuses), and no upstream
 * connection is ever attempted.
 *
 * <p>The contract: nothing escapes the pipeline, everything written back is a 4xx or 503 status
 * line (never a 2xx nor a 500), the connection always ends (at the latest by the request header or
 * idle timeout, advanced on the embedded clock), and every buffer is released.
 */
class HttpRequestFuzzTest {
  private static final Pattern STATUS_LINE = Pattern.compile("(?m)^HTTP/1\\.[01] (\\d{3}) ");

  private final ServerSettings settings = ServerSettings.builder().build();
  /** The pools are never asked for a connection; they only need a loop to be built on. */
  private final EmbeddedChannel poolLoop = new EmbeddedChannel();

  private final DownstreamInitializer initializer = initializer();

  private DownstreamInitializer initializer() {
    HttpDecoderConfig decoderConfig =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineLength())
            .setMaxHeaderSize(settings.maxHeaderSize());
    SnapshotHolder snapshots = new SnapshotHolder();
    snapshots.publish(snapshot());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    UpstreamPools pools =
        new UpstreamPools(
            poolLoop.eventLoop(),
            NioSocketChannel::new,
            UnpooledByteBufAllocator.DEFAULT,
            decoderConfig,
            1,
            settings.upstreamIdleTimeout());
    ProxyConfig proxy =
        new ProxyConfig(
            snapshots,
            pools,
            new ForwardedHeaders(new TrustedProxies.None()),
            new ProxyErrors(registry),
            false);
    return new DownstreamInitializer(
        settings,
        decoderConfig,
        proxy,
        new DefaultChannelGroup(GlobalEventExecutor.INSTANCE),
        // no PROXY protocol on this listener
        new dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor(
            dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings.disabled(), registry),
        new DownstreamTraffic(registry, "fuzz"));
  }

  /** Exact, wildcard and catch-all hosts, Exact and Prefix paths; no endpoint is ready. */
  private static Snapshot snapshot() {
    BackendGroup down =
        new BackendGroup(
            "down",
            List.of(new Endpoint("10.0.0.1", 8080, 1, false)),
            BackendGroup.LoadBalancing.ROUND_ROBIN,
            BackendGroup.UpstreamProtocol.HTTP);
    return new Snapshot(
        1,
        Instant.EPOCH,
        List.of(
            new VirtualHost(
                "a.example",
                List.of(
                    new HttpRoute("a-root", PathType.PREFIX, "/", down, RoutePolicy.DEFAULT),
                    new HttpRoute("a-exact", PathType.EXACT, "/exact", down, RoutePolicy.DEFAULT))),
            new VirtualHost(
                "*.example.org",
                List.of(new HttpRoute("wild-api", PathType.PREFIX, "/api", down, RoutePolicy.DEFAULT))),
            new VirtualHost(
                VirtualHost.CATCH_ALL,
                List.of(
                    new HttpRoute("any-static", PathType.PREFIX, "/static", down, RoutePolicy.DEFAULT)))),
        List.of(),
        List.of());
  }

  @AfterEach
  void closePoolLoop() {
    poolLoop.finishAndReleaseAll();
  }

  @FuzzTest(maxDuration = "5m")
  void request(byte[] input) {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(io.netty.channel.Channel c) {
                c.pipeline().addLast(initializer);
              }
            });
    StringBuilder written = new StringBuilder();
    try {
      int[] cuts = BoundedFuzz.segments(input);
      for (int i = 1; i < cuts.length && ch.isOpen(); i++) {
        ch.writeInbound(Unpooled.wrappedBuffer(input, cuts[i - 1], cuts[i] - cuts[i - 1]));
        ch.runPendingTasks();
        ch.checkException();
        drainOutbound(ch, written);
      }
      // a request that never completes, or a kept-alive connection, must end on the clock
      for (int i = 0; i < 3 && ch.isOpen(); i++) {
        ch.advanceTimeBy(settings.idleTimeout().toNanos() + 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        ch.checkException();
        drainOutbound(ch, written);
      }
      assertThat(ch.isOpen()).as("the connection ends by a timeout at the latest").isFalse();
      assertThat(ch.inboundMessages()).as("nothing reaches the pipeline's tail").isEmpty();
      Matcher m = STATUS_LINE.matcher(written);
      while (m.find()) {
        int status = Integer.parseInt(m.group(1));
        assertThat(status)
            .as("status of a local answer in:\n%s", written)
            .matches(s -> (s >= 400 && s < 500) || s == 503);
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static void drainOutbound(EmbeddedChannel ch, StringBuilder written) {
    for (Object o; (o = ch.readOutbound()) != null; ) {
      if (o instanceof ByteBuf b) {
        written.append(b.toString(StandardCharsets.ISO_8859_1));
      }
      io.netty.util.ReferenceCountUtil.release(o);
    }
  }

  /** The target is not vacuous: its seeds get routed (503: no ready endpoint) or not (404). */
  @Test
  void seedsReachRouting() {
    assertThat(answers("GET /exact HTTP/1.1\r\nHost: a.example\r\n\r\n")).startsWith("HTTP/1.1 503 ");
    assertThat(answers("GET /api/v1 HTTP/1.1\r\nHost: x.example.org\r\n\r\n")).startsWith("HTTP/1.1 503 ");
    assertThat(answers("GET /other HTTP/1.1\r\nHost: x.example.org\r\n\r\n")).startsWith("HTTP/1.1 404 ");
    assertThat(answers("GET /x HTTP/1.1\r\nHost: a b\r\nBad Header\r\n\r\n")).startsWith("HTTP/1.1 400 ");
  }

  private String answers(String request) {
    EmbeddedChannel ch = new EmbeddedChannel(initializer);
    try {
      ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
      ch.runPendingTasks();
      StringBuilder written = new StringBuilder();
      drainOutbound(ch, written);
      return written.toString();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  @Timeout(120) // a hang guard only
  void boundedRequest() {
    BoundedFuzz.run(getClass(), "request", this::request);
  }
}
