package dev.sluice.dataplane.h2;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.logging.LogLevel;
import java.util.Locale;

/**
 * Counts what the HTTP/2 limits do to clients: GOAWAY and RST_STREAM frames Sluice sends, by error
 * code. A rapid reset or a flood shows as {@code sluice.h2.goaway.sent{code=enhance_your_calm}}, a
 * stream over {@link H2Limits#maxConcurrentStreams()} as {@code
 * sluice.h2.rst.sent{code=refused_stream}}, a protocol violation as {@code code=protocol_error};
 * an idle or draining connection's GOAWAY is {@code code=no_error}.
 *
 * <p>Netty's codec writes those frames itself (its decoder enforces the limits), so they are seen
 * where every outbound frame passes: a {@link Http2FrameLogger} given to the codec ({@link
 * #frameLogger()}). It logs nothing; the frames it does not count cost one call each.
 *
 * <p>Thread safety: counters are registered once; counting is a Micrometer counter increment from
 * any event loop.
 */
public final class H2Metrics {
  public static final String GOAWAY_SENT = "sluice.h2.goaway.sent";
  public static final String RST_SENT = "sluice.h2.rst.sent";

  /** Index {@code Http2Error.values().length}: a code outside the RFC's table. */
  private final Counter[] goAways;

  private final Counter[] resets;
  private final Http2FrameLogger frameLogger = new Counting();

  public H2Metrics(MeterRegistry registry) {
    goAways = counters(registry, GOAWAY_SENT, "GOAWAY frames sent to clients, by error code");
    resets = counters(registry, RST_SENT, "RST_STREAM frames sent to clients, by error code");
  }

  private static Counter[] counters(MeterRegistry registry, String name, String description) {
    Http2Error[] errors = Http2Error.values();
    Counter[] c = new Counter[errors.length + 1];
    for (int i = 0; i <= errors.length; i++) {
      String code = i < errors.length ? errors[i].name().toLowerCase(Locale.ROOT) : "other";
      c[i] = Counter.builder(name).tag("code", code).description(description).register(registry);
    }
    return c;
  }

  private static int index(long errorCode) {
    Http2Error e = Http2Error.valueOf(errorCode);
    return e == null ? Http2Error.values().length : e.ordinal();
  }

  /** GOAWAY frames sent with {@code error}. */
  public long goAwaysSent(Http2Error error) {
    return (long) goAways[error.ordinal()].count();
  }

  /** RST_STREAM frames sent with {@code error} (REFUSED_STREAM: over the stream limit). */
  public long resetsSent(Http2Error error) {
    return (long) resets[error.ordinal()].count();
  }

  /** For {@code Http2FrameCodecBuilder.frameLogger}: shared by all connections. */
  Http2FrameLogger frameLogger() {
    return frameLogger;
  }

  /** Counts outbound GOAWAY and RST_STREAM; logs nothing (TRACE level, never enabled here). */
  private final class Counting extends Http2FrameLogger {
    Counting() {
      super(LogLevel.TRACE, H2Metrics.class);
    }

    @Override
    public boolean isEnabled() {
      return false;
    }

    @Override
    public void logGoAway(
        Direction direction,
        ChannelHandlerContext ctx,
        int lastStreamId,
        long errorCode,
        ByteBuf debugData) {
      if (direction == Direction.OUTBOUND) {
        goAways[index(errorCode)].increment();
      }
    }

    @Override
    public void logRstStream(
        Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
      if (direction == Direction.OUTBOUND) {
        resets[index(errorCode)].increment();
      }
    }
  }
}
