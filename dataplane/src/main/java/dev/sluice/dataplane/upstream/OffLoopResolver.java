package dev.sluice.dataplane.upstream;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves host names (ExternalName backends, {@code auth-url} hosts) with the JDK's resolver —
 * {@code /etc/hosts}, {@code resolv.conf} search domains and {@code ndots}, the JVM's DNS cache,
 * exactly what Netty's default resolver does — but on a small pool of its own instead of the event
 * loop: Netty's default calls {@code InetAddress.getByName} on the loop that connects, so one slow
 * DNS answer (CoreDNS down, {@code ndots:5} walking search domains) would stall every connection
 * of that loop. The promise completes on the connecting loop. IP literals, the usual endpoints
 * (pod IPs), never come here: they are connected as resolved addresses.
 *
 * <p>Bounded: {@value #THREADS} threads and a queue of {@value #QUEUE}; a lookup that finds it full
 * fails at once (the request gets its connect error) rather than queueing without end.
 */
public final class OffLoopResolver extends AddressResolverGroup<InetSocketAddress> {
  static final int THREADS = 2;
  static final int QUEUE = 1024;

  /** One per process: lookups are rare (pooled connections are reused) and threads idle out. */
  public static final OffLoopResolver INSTANCE = new OffLoopResolver();

  private final ThreadPoolExecutor lookups;

  private OffLoopResolver() {
    AtomicInteger n = new AtomicInteger();
    lookups =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "sluice-dns-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    lookups.allowCoreThreadTimeOut(true);
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new InetSocketAddressResolver(executor, nameResolver(executor));
  }

  /** The name lookups behind {@link #getResolver} for {@code executor}'s connections. */
  InetNameResolver nameResolver(EventExecutor executor) {
    return new Names(executor);
  }

  /** The JDK's lookups, run on {@link #lookups}; results land on the loop's promise. */
  private final class Names extends InetNameResolver {
    Names(EventExecutor executor) {
      super(executor);
    }

    @Override
    protected void doResolve(String host, Promise<InetAddress> promise) {
      submit(promise, () -> promise.trySuccess(InetAddress.getByName(host)));
    }

    @Override
    protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
      submit(promise, () -> promise.trySuccess(Arrays.asList(InetAddress.getAllByName(host))));
    }

    private void submit(Promise<?> promise, Lookup lookup) {
      try {
        lookups.execute(
            () -> {
              try {
                lookup.run();
              } catch (UnknownHostException | RuntimeException e) {
                promise.tryFailure(e);
              }
            });
      } catch (RejectedExecutionException e) {
        promise.tryFailure(new UnknownHostException("DNS lookups are backed up; not resolved"));
      }
    }
  }

  @FunctionalInterface
  private interface Lookup {
    void run() throws UnknownHostException;
  }
}
