package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.accesslog.AccessEntry;
import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.passthrough.PassthroughMetrics.RouteCounters;
import dev.sluice.dataplane.proxyprotocol.ClientAddress;
import dev.sluice.dataplane.routing.Balancer;
import dev.sluice.dataplane.routing.EndpointState;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One passthrough connection: the client (downstream) channel, the backend (upstream) channel, and
 * the relay between them.
 *
 * <p>Life: connect to a picked endpoint on the downstream's event loop (one retry on another
 * endpoint when the connect fails, which is safe because nothing was sent yet) -> send the PROXY
 * header and the queued ClientHello -> relay both ways, reading a side only while the other side is
 * writable (autoRead off, explicit reads) -> a FIN from one side becomes {@code shutdownOutput} on
 * the other once everything before it is written -> when both directions have finished (or either side closes or errors, or the
 * connection is idle for the route's idle timeout) both channels close.
 *
 * <p>Two ways to move the bytes, chosen when the backend connection is up: copying through pooled
 * buffers (any transport), or, when the relay allows it and both channels are epoll channels whose
 * reads are counted ({@link PassthroughRelay#prepare}), {@code splice(2)} through a kernel pipe per
 * direction ({@link SplicePump}). The PROXY header and the ClientHello are written as buffers first
 * either way; a pump's first read waits until they went out. A spliced connection closes both
 * channels as soon as either is gone, since Netty's splice task on one refers to the other's pipe.
 *
 * <p>Thread safety: every field is touched only by the downstream channel's event loop, which is
 * also the upstream channel's event loop; no field is shared.
 */
final class RelaySession {
  private static final Logger log = LoggerFactory.getLogger(RelaySession.class);
  private static final int MAX_ATTEMPTS = 2;

  private final Channel down;
  private final PassthroughRoute route;
  private final Balancer balancer;
  private final RouteCounters counters;
  private final long idleNanos;
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(2);
  private final boolean spliceAllowed;
  /** Splicing pumps, client to backend and back; null while (or when) bytes are copied. */
  private SplicePump toUp;
  private SplicePump toDown;
  private boolean splicing;
  private DownstreamTraffic traffic;

  private Channel up;
  private boolean upConnected;
  private EndpointState endpoint;
  private int attempts;
  private boolean closed;
  /** Per direction: the source sent FIN / we shut the target's output after flushing. */
  private boolean downInputDone;
  private boolean upInputDone;
  private boolean upOutputShut;
  private boolean downOutputShut;
  private long lastActivity;
  private ScheduledFuture<?> idleTimer;
  // access log: one line when the connection ends
  private final AccessLog accessLog;
  private final String host;
  private final String client; // captured at start: a closed channel may no longer know its peer
  private final long startNanos = System.nanoTime();
  private long upConnectedNanos;
  private String upstream;
  private long bytesIn;
  private long bytesOut;
  private boolean logged;

  RelaySession(
      Channel down,
      PassthroughRoute route,
      Balancer balancer,
      RouteCounters counters,
      AccessLog accessLog,
      String host,
      boolean spliceAllowed) {
    this.down = down;
    this.spliceAllowed = spliceAllowed;
    this.route = route;
    this.balancer = balancer;
    this.counters = counters;
    this.idleNanos = route.idleTimeout().toNanos();
    this.accessLog = accessLog;
    this.host = host;
    this.client = AccessEntry.ip(ClientAddress.source(down));
  }

  void start() {
    counters.connections().increment();
    down.config().setAutoRead(false);
    down.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    down.pipeline().addLast(PassthroughRelay.HANDLER_NAME, new RelaySide(this, true));
    lastActivity = System.nanoTime();
    if (idleNanos > 0) {
      idleTimer = down.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }
    connect(null);
  }

  // ---- connecting ----

  private void connect(EndpointState failed) {
    EndpointState picked = balancer.pick(failed);
    if (picked == null || picked == failed) {
      closeAll();
      return;
    }
    endpoint = picked;
    picked.requestStarted();
    attempts++;
    Bootstrap b =
        new Bootstrap()
            .group(down.eventLoop())
            .channelFactory(channelFactory(down, spliceCounter(down) != null))
            .resolver(dev.sluice.dataplane.upstream.OffLoopResolver.INSTANCE)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, route.connectTimeout().toMillis()))
            .handler(new RelaySide(this, false));
    ChannelFuture f = b.connect(address(picked.endpoint()));
    up = f.channel();
    f.addListener((ChannelFutureListener) this::connected);
  }

  private void connected(ChannelFuture f) {
    if (!f.isSuccess()) {
      counters.connectErrors().increment();
      EndpointState failed = endpoint;
      finishEndpoint();
      up = null;
      if (closed) {
        return;
      }
      log.debug("passthrough {}: connect failed: {}", route.name(), f.cause().toString());
      if (attempts < MAX_ATTEMPTS && down.isActive()) {
        connect(failed);
      } else {
        closeAll();
      }
      return;
    }
    if (closed) {
      f.channel().close();
      return;
    }
    upConnected = true;
    upConnectedNanos = System.nanoTime();
    upstream = endpoint.endpoint().authority();
    ByteBuf header =
        ProxyHeaders.encode(
            route.proxyProtocol(),
            ClientAddress.source(down),
            ClientAddress.destination(down),
            up.alloc());
    if (header != null) {
      up.write(header, up.voidPromise());
    }
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      counters.bytesUpstream().increment(b.readableBytes());
      bytesIn += b.readableBytes();
      up.write(b, up.voidPromise());
    }
    if (startSplicing()) {
      return;
    }
    ChannelFuture flushed = up.writeAndFlush(Unpooled.EMPTY_BUFFER);
    if (downInputDone) {
      shutdownOutputAfterFlush(up);
    }
    flushed.addListener(
        (ChannelFutureListener)
            w -> {
              if (!w.isSuccess()) {
                failed(w.cause());
              }
            });
    readMore(down);
    readMore(up);
  }

  private boolean startSplicing() {
    SpliceCounter downCounter = spliceCounter(down);
    SpliceCounter upCounter = spliceCounter(up);
    if (downCounter == null
        || upCounter == null
        || !(down instanceof AbstractEpollStreamChannel d)
        || !(up instanceof AbstractEpollStreamChannel u)) {
      return false;
    }
    splicing = true;
    counters.spliced().increment();
    traffic = down.pipeline().get(DownstreamTraffic.class);
    toDown = new SplicePump(this, u, d, false);
    toDown.start(upCounter);
    if (downInputDone) {
      // The client's FIN came while connecting: everything it sent is in the queued buffers.
      shutdownOutputAfterFlush(up);
    } else {
      toUp = new SplicePump(this, d, u, true);
      toUp.start(downCounter);
    }
    return true;
  }

  /** The channel's read counter when this session may splice it, else null. */
  private SpliceCounter spliceCounter(Channel ch) {
    return spliceAllowed
            && EpollPin.available()
            && ch instanceof AbstractEpollStreamChannel
            && ch.config().getRecvByteBufAllocator() instanceof SpliceCounter c
        ? c
        : null;
  }

  private static ChannelFactory<? extends Channel> channelFactory(Channel like, boolean counted) {
    // Same transport as the accepted channel: an epoll loop can only register epoll channels.
    if (like instanceof EpollSocketChannel) {
      return counted
          ? () -> PassthroughRelay.prepare(new EpollSocketChannel())
          : EpollSocketChannel::new;
    }
    if (like instanceof NioSocketChannel) {
      return NioSocketChannel::new;
    }
    return new ReflectiveChannelFactory<>(like.getClass());
  }

  private static InetSocketAddress address(Endpoint e) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(e.address());
    if (ip != null) {
      try {
        return new InetSocketAddress(InetAddress.getByAddress(ip), e.port());
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    // A DNS name (ExternalName service): left to the bootstrap's resolver.
    return InetSocketAddress.createUnresolved(e.address(), e.port());
  }

  // ---- relaying (called by RelaySide and the splice pumps) ----

  boolean isClosed() {
    return closed;
  }

  /**
   * A pump moved {@code n} bytes past the pipeline (a splice, or a read from the descriptor).
   *
   * @param sentUncounted whether bytes to the client also bypass {@link DownstreamTraffic} on their
   *     way out (spliced), rather than being written through the pipeline
   */
  void spliced(boolean upstream, int n, boolean sentUncounted) {
    lastActivity = System.nanoTime();
    if (upstream) {
      counters.bytesUpstream().increment(n);
      bytesIn += n;
      if (traffic != null) {
        traffic.countReceived(n);
      }
    } else {
      counters.bytesDownstream().increment(n);
      bytesOut += n;
      if (traffic != null && sentUncounted) {
        traffic.countSent(n);
      }
    }
  }

  /** A pump reached the end of its stream: FIN to its target once its writes went out. */
  void spliceEnded(boolean upstream) {
    if (upstream) {
      downInputDone = true;
      shutdownOutputAfterFlush(up);
    } else {
      upInputDone = true;
      shutdownOutputAfterFlush(down);
    }
  }

  void read(boolean fromDown, ByteBuf buf) {
    lastActivity = System.nanoTime();
    if (closed) {
      buf.release();
      return;
    }
    if (fromDown) {
      if (!upConnected) {
        pending.add(buf);
        return;
      }
      counters.bytesUpstream().increment(buf.readableBytes());
      bytesIn += buf.readableBytes();
      up.write(buf, up.voidPromise());
    } else {
      counters.bytesDownstream().increment(buf.readableBytes());
      bytesOut += buf.readableBytes();
      down.write(buf, down.voidPromise());
    }
  }

  void readComplete(boolean fromDown) {
    if (!upConnected || closed) {
      return;
    }
    if (splicing) {
      SplicePump pump = fromDown ? toUp : toDown;
      if (pump != null) {
        pump.readComplete();
      }
      return;
    }
    Channel target = fromDown ? up : down;
    target.flush();
    if (target.isWritable()) {
      readMore(fromDown ? down : up);
    }
  }

  /** {@code ch} became writable (or not): resume the side that writes into it. */
  void writabilityChanged(boolean isDown) {
    if (upConnected && !closed && !splicing && (isDown ? down : up).isWritable()) {
      readMore(isDown ? up : down);
    }
  }

  private void readMore(Channel source) {
    boolean done = source == down ? downInputDone : upInputDone;
    if (!done && source.isActive()) {
      source.read();
    }
  }

  void inputShutdown(boolean isDown) {
    Channel source = isDown ? down : up;
    if (source != null && !((DuplexChannel) source).isOutputShutdown()) {
      try {
        EpollPin.pin(source); // we still write to it: see EpollPin
      } catch (Throwable e) {
        failed(e);
        return;
      }
    }
    if (splicing) {
      // Netty's splice declares the input shut at the FIN, maybe before the last bytes: the pump
      // reads on and decides when the stream really ended.
      SplicePump pump = isDown ? toUp : toDown;
      if (pump != null) {
        pump.inputShutdown();
      }
      return;
    }
    if (isDown) {
      if (downInputDone) {
        return;
      }
      downInputDone = true;
      if (upConnected) {
        shutdownOutputAfterFlush(up);
      }
    } else {
      if (upInputDone) {
        return;
      }
      upInputDone = true;
      shutdownOutputAfterFlush(down);
    }
  }

  private void shutdownOutputAfterFlush(Channel target) {
    // The empty write completes only after every earlier write went out;
    // shutting the output any sooner would fail those writes.
    target
        .writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            (ChannelFutureListener)
                w -> {
                  if (!w.isSuccess()) {
                    closeAll();
                    return;
                  }
                  ((DuplexChannel) target)
                      .shutdownOutput()
                      .addListener(
                          (ChannelFutureListener)
                              s -> {
                                try {
                                  EpollPin.unpin(target);
                                } catch (Throwable e) {
                                  log.debug("passthrough {}: unpin: {}", route.name(), e.toString());
                                }
                                if (target == up) {
                                  upOutputShut = true;
                                } else {
                                  downOutputShut = true;
                                }
                                if (!s.isSuccess() || (upOutputShut && downOutputShut)) {
                                  closeAll();
                                }
                              });
                });
  }

  /** One side is gone for good: deliver what was written to the other, then close it. */
  void inactive(boolean isDown) {
    if (closed) {
      return;
    }
    if (!isDown && !upConnected) {
      return; // a failed connect attempt: connected() decides
    }
    Channel other = isDown ? up : down;
    if (other == null || splicing) {
      closeAll();
      return;
    }
    closed = true;
    cancelIdleTimer();
    releasePending();
    finishEndpoint();
    logAccess();
    other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  void failed(Throwable cause) {
    if (closed) {
      return; // the close itself fails what was pending (splice tasks, writes): nothing new
    }
    log.debug("passthrough {}: {}", route.name(), cause.toString());
    closeAll();
  }

  // ---- ending ----

  private void checkIdle() {
    if (closed) {
      return;
    }
    long idleFor = System.nanoTime() - lastActivity;
    if (idleFor >= idleNanos) {
      log.debug("passthrough {}: idle for {} ms, closing", route.name(), idleFor / 1_000_000);
      counters.idleClosed().increment();
      closeAll();
    } else {
      idleTimer =
          down.eventLoop().schedule(this::checkIdle, idleNanos - idleFor, TimeUnit.NANOSECONDS);
    }
  }

  void closeAll() {
    if (closed) {
      return;
    }
    closed = true;
    cancelIdleTimer();
    releasePending();
    finishEndpoint();
    logAccess();
    down.close();
    if (up != null) {
      up.close();
    }
  }

  /** Once, when the connection ends: bytes relayed each way and how long it lasted. */
  private void logAccess() {
    if (logged || !accessLog.sampled()) {
      return;
    }
    logged = true;
    long now = System.nanoTime();
    accessLog.offer(
        new AccessEntry(
            AccessEntry.TCP,
            System.currentTimeMillis(),
            client,
            host,
            null,
            null,
            "TLS",
            route.name(),
            upstream,
            0,
            bytesIn,
            bytesOut,
            now - startNanos,
            upConnectedNanos == 0 ? -1 : now - upConnectedNanos,
            null,
            null));
  }

  private void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  private void releasePending() {
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      b.release();
    }
  }

  private void finishEndpoint() {
    if (endpoint != null) {
      endpoint.requestFinished();
      endpoint = null;
    }
  }
}
