package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.ProxyErrors;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open downstream connections: {@code maxConnections} in total and, when {@code maxPerIp} is
 * above 0, per client address. A connection over a cap is closed as soon as it is accepted, before
 * any byte of it is read, and counted as {@link ErrorKind#CONNECTION_LIMIT}. The first handler of
 * every accepted connection; one instance serves all listeners that share the caps.
 *
 * <p>The client address is the TCP peer at accept. Behind a load balancer that speaks the PROXY
 * protocol the peer is the balancer, whose connections must not be capped as one client: the code
 * that learns the real source from the PROXY header calls {@link #rebind} to move the connection's
 * per-IP count to that address (and the connection is closed if that client is over its cap). The
 * listener owner decides with {@code perIpAtAccept} whether the TCP peer counts at all.
 *
 * <p>Thread safety: lock-free counters, any thread. Counts are released when the channel closes;
 * a per-IP counter leaves the map when it falls to zero, so the map only holds clients with open
 * connections.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  public static final String NAME = "connection-limit";

  private static final AttributeKey<ClientCount> COUNTED =
      AttributeKey.valueOf(ConnectionLimiter.class, "perIp");

  private final int maxConnections;
  private final int maxPerIp;
  private final boolean perIpAtAccept;
  private final ProxyErrors errors;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, ClientCount> perIp = new ConcurrentHashMap<>();

  /**
   * @param maxConnections cap on open connections
   * @param maxPerIp cap per client address, 0 = off
   * @param perIpAtAccept count the TCP peer at accept (false on listeners where a PROXY header
   *     names the client: {@link #rebind} then counts it)
   */
  public ConnectionLimiter(
      int maxConnections, int maxPerIp, boolean perIpAtAccept, ProxyErrors errors) {
    this.maxConnections = maxConnections;
    this.maxPerIp = maxPerIp;
    this.perIpAtAccept = perIpAtAccept;
    this.errors = errors;
  }

  /** Open connections counted now. */
  public int open() {
    return open.get();
  }

  /** Open connections of {@code client} counted now. */
  public int open(InetAddress client) {
    ClientCount c = perIp.get(client);
    return c == null ? 0 : Math.max(0, c.get());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    if (!admit(ch)) {
      errors.count(ErrorKind.CONNECTION_LIMIT);
      ch.close();
      return;
    }
    ctx.pipeline().remove(this); // nothing more to do on the way in; the close listener releases
  }

  /** Counts {@code ch} in; false (nothing counted) when a cap is reached. */
  boolean admit(Channel ch) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      return false;
    }
    if (maxPerIp > 0 && perIpAtAccept && ch.remoteAddress() instanceof InetSocketAddress peer) {
      ClientCount counter = acquire(peer.getAddress());
      if (counter == null) {
        open.decrementAndGet();
        return false;
      }
      ch.attr(COUNTED).set(counter);
    }
    ch.closeFuture().addListener(f -> release(ch));
    return true;
  }

  /**
   * Moves the per-IP count of {@code ch} to {@code client} (the source a PROXY header named).
   * Returns false, counts and closes the connection when that client is at its cap.
   */
  public boolean rebind(Channel ch, InetAddress client) {
    if (maxPerIp <= 0) {
      return true;
    }
    ClientCount counter = acquire(client);
    ClientCount previous = ch.attr(COUNTED).getAndSet(counter);
    if (previous != null) {
      releasePerIp(previous);
    }
    if (counter == null) {
      errors.count(ErrorKind.CONNECTION_LIMIT);
      ch.close();
      return false;
    }
    return true;
  }

  private void release(Channel ch) {
    open.decrementAndGet();
    ClientCount counter = ch.attr(COUNTED).getAndSet(null);
    if (counter != null) {
      releasePerIp(counter);
    }
  }

  /** One more connection of {@code client}, or null at the cap. A counter at -1 is retired. */
  private ClientCount acquire(InetAddress client) {
    while (true) {
      ClientCount counter = perIp.get(client);
      if (counter == null) {
        ClientCount fresh = new ClientCount(client);
        if (perIp.putIfAbsent(client, fresh) == null) {
          return fresh;
        }
        continue;
      }
      int n = counter.get();
      if (n < 0) {
        perIp.remove(client, counter); // retired by its last release: help, then retry
      } else if (n >= maxPerIp) {
        return null;
      } else if (counter.compareAndSet(n, n + 1)) {
        return counter;
      }
    }
  }

  private void releasePerIp(ClientCount counter) {
    if (counter.decrementAndGet() == 0 && counter.compareAndSet(0, -1)) {
      perIp.remove(counter.client, counter);
    }
  }

  /** Open connections of one client; -1 once retired (it is then leaving the map). */
  private static final class ClientCount extends AtomicInteger {
    final InetAddress client;

    ClientCount(InetAddress client) {
      super(1);
      this.client = client;
    }
  }
}
