package dev.sluice.dataplane.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One {@link UpstreamPool} per event loop of a group, built once at start. Looking up the pool of
 * the current channel's loop is a read of an immutable map: no lock, no thread-local.
 *
 * <p>Thread safety: immutable after construction; each pool is confined to its loop.
 */
public final class UpstreamPools implements AutoCloseable {
  private final Map<EventExecutor, UpstreamPool> pools;
  private final PoolCloses closes = new PoolCloses();

  /**
   * @param group the loops that serve downstream connections
   * @param channelFactory client socket channels of the group's transport
   * @param allocator buffer allocator for upstream channels
   * @param decoderConfig response line and header limits
   * @param maxIdlePerEndpoint idle connections kept per endpoint per loop
   * @param idleTimeout an idle connection unused this long is closed
   */
  public UpstreamPools(
      EventLoopGroup group,
      ChannelFactory<? extends Channel> channelFactory,
      ByteBufAllocator allocator,
      HttpDecoderConfig decoderConfig,
      int maxIdlePerEndpoint,
      Duration idleTimeout) {
    Bootstrap template =
        new Bootstrap()
            .channelFactory(channelFactory)
            // host names (ExternalName, auth-url) are looked up off the event loop
            .resolver(OffLoopResolver.INSTANCE)
            .option(ChannelOption.ALLOCATOR, allocator)
            .option(ChannelOption.TCP_NODELAY, true)
            // reads are explicit: an upstream is only read while its downstream can take more
            .option(ChannelOption.AUTO_READ, false);
    Map<EventExecutor, UpstreamPool> map = new IdentityHashMap<>();
    for (EventExecutor executor : group) {
      EventLoop loop = (EventLoop) executor;
      map.put(
          loop, new UpstreamPool(
              loop, template, decoderConfig, maxIdlePerEndpoint, idleTimeout, closes));
    }
    this.pools = map;
  }

  /** What the pools closed themselves (idle timeout, surplus); bind it to a registry once. */
  public PoolCloses closes() {
    return closes;
  }

  /** The pool of {@code loop}; use it from that loop only. */
  public UpstreamPool forLoop(EventLoop loop) {
    UpstreamPool pool = pools.get(loop);
    if (pool == null) {
      throw new IllegalArgumentException("not a loop of this server: " + loop);
    }
    return pool;
  }

  @Override
  public void close() {
    for (UpstreamPool pool : pools.values()) {
      pool.close();
    }
  }
}
