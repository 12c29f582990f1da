package dev.sluice.dataplane.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts client connections and their bytes: the first handler of every accepted connection of a
 * listener, so it sees the bytes as they cross the socket (HTTP framing and tunnelled WebSocket
 * bytes included).
 *
 * <ul>
 *   <li>{@code sluice.downstream.connections.active} ({@code
 *       sluice_downstream_connections_active{listener}}), a gauge;
 *   <li>{@code sluice.downstream.connections} ({@code sluice_downstream_connections_total}):
 *       accepted;
 *   <li>{@code sluice.downstream.received} / {@code .sent} ({@code
 *       sluice_downstream_received_bytes_total}, {@code sluice_downstream_sent_bytes_total}).
 * </ul>
 *
 * <p>Thread safety: shared by all connections of a listener ({@link ChannelHandler.Sharable});
 * counters are striped adders, so event loops do not contend on one cache line.
 */
@ChannelHandler.Sharable
public final class DownstreamTraffic extends ChannelDuplexHandler {
  public static final String NAME = "traffic";
  public static final String ACTIVE = "sluice.downstream.connections.active";
  public static final String ACCEPTED = "sluice.downstream.connections";
  public static final String RECEIVED = "sluice.downstream.received";
  public static final String SENT = "sluice.downstream.sent";

  /**
   * Set on connections counted as active. A connection closed while its pipeline is built (an
   * untrusted PROXY protocol peer) gets {@code channelInactive} without {@code channelActive}.
   */
  private static final AttributeKey<Boolean> COUNTED =
      AttributeKey.valueOf(DownstreamTraffic.class, "counted");

  private final LongAdder active = new LongAdder();
  private final Counter accepted;
  private final Counter received;
  private final Counter sent;

  /** @param listener the {@code listener} tag: {@code http} or {@code https} */
  public DownstreamTraffic(MeterRegistry registry, String listener) {
    Gauge.builder(ACTIVE, active, LongAdder::sum)
        .description("Client connections open now")
        .tag("listener", listener)
        .strongReference(true)
        .register(registry);
    accepted =
        Counter.builder(ACCEPTED)
            .description("Client connections accepted")
            .tag("listener", listener)
            .register(registry);
    received =
        Counter.builder(RECEIVED)
            .description("Bytes received from clients")
            .baseUnit("bytes")
            .tag("listener", listener)
            .register(registry);
    sent =
        Counter.builder(SENT)
            .description("Bytes written to clients")
            .baseUnit("bytes")
            .tag("listener", listener)
            .register(registry);
  }

  /** Client connections open now. */
  public long active() {
    return active.sum();
  }

  /** Counts bytes received from a client that bypassed the pipeline (spliced passthrough). */
  public void countReceived(long bytes) {
    received.increment(bytes);
  }

  /** Counts bytes sent to a client that bypassed the pipeline (spliced passthrough). */
  public void countSent(long bytes) {
    sent.increment(bytes);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.channel().attr(COUNTED).set(Boolean.TRUE);
    active.increment();
    accepted.increment();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
      active.decrement();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      received.increment(buf.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    long n =
        msg instanceof ByteBuf buf
            ? buf.readableBytes()
            : msg instanceof ByteBufHolder h
                ? h.content().readableBytes()
                : msg instanceof FileRegion r ? r.count() - r.transferred() : 0;
    if (n > 0) {
      sent.increment(n);
    }
    ctx.write(msg, promise);
  }
}
