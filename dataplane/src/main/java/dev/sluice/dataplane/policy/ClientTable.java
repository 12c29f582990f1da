package dev.sluice.dataplane.policy;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate-limit state per (route, client IP), shared by every event loop and kept across snapshots.
 *
 * <p>Bounded: a flood of spoofed or many distinct client addresses cannot grow it past {@code
 * capacity}. Before a new client is added to a full table, an eviction pass removes first the
 * entries that carry no information (bucket full again and nothing in flight: removing them
 * changes no decision), then, if still needed, arbitrary ones, down to 90% of the capacity. One
 * thread evicts at a time; the others go on. A lookup of a known client is a {@link
 * ConcurrentHashMap#get}; counting is a CAS on an atomic. No locks.
 *
 * <p>Thread safety: fully concurrent.
 */
final class ClientTable {
  static final int DEFAULT_CAPACITY = 100_000;

  private final int capacity;
  private final ConcurrentHashMap<Key, Client> clients = new ConcurrentHashMap<>();
  private final AtomicBoolean evicting = new AtomicBoolean();

  ClientTable(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /** The state of {@code client} on {@code route}, created when new. */
  Client get(String route, InetAddress client, long nowNanos) {
    Key key = new Key(route, client);
    Client c = clients.get(key);
    if (c != null) {
      return c;
    }
    if (clients.mappingCount() >= capacity) {
      evict(nowNanos);
    }
    Client fresh = new Client(nowNanos);
    c = clients.putIfAbsent(key, fresh);
    return c != null ? c : fresh;
  }

  /** How many entries the table holds. */
  int size() {
    return (int) Math.min(Integer.MAX_VALUE, clients.mappingCount());
  }

  private void evict(long now) {
    if (!evicting.compareAndSet(false, true)) {
      return;
    }
    try {
      long target = capacity - Math.max(1, capacity / 10);
      for (Iterator<Client> it = clients.values().iterator(); it.hasNext(); ) {
        if (it.next().idle(now)) {
          it.remove();
        }
      }
      for (Iterator<Client> it = clients.values().iterator();
          it.hasNext() && clients.mappingCount() > target; ) {
        it.next();
        it.remove();
      }
    } finally {
      evicting.set(false);
    }
  }

  private record Key(String route, InetAddress client) {}

  /**
   * One client on one route: two GCRA token buckets (one "theoretical arrival time" each, so a
   * decision is one CAS) and a count of requests in flight. {@link #run()} gives back the in-flight
   * slot (handed to {@link FilterExchange#whenDone} without allocating a lambda).
   */
  static final class Client implements Runnable {
    private final AtomicLong perSecond;
    private final AtomicLong perMinute;
    private final AtomicInteger inFlight = new AtomicInteger();

    Client(long now) {
      perSecond = new AtomicLong(now);
      perMinute = new AtomicLong(now);
    }

    /** Takes a per-second token; 0 when granted, else nanoseconds until one is. */
    long takePerSecond(long now, long intervalNanos, long burst) {
      return take(perSecond, now, intervalNanos, burst);
    }

    long takePerMinute(long now, long intervalNanos, long burst) {
      return take(perMinute, now, intervalNanos, burst);
    }

    /** Counts a request in flight; false (and nothing counted) when {@code limit} are already. */
    boolean enter(int limit) {
      while (true) {
        int n = inFlight.get();
        if (n >= limit) {
          return false;
        }
        if (inFlight.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    /** Leaves: the request counted by {@link #enter} ended. */
    @Override
    public void run() {
      inFlight.decrementAndGet();
    }

    int inFlight() {
      return inFlight.get();
    }

    /** Both buckets full again and nothing in flight: as good as a new entry. */
    boolean idle(long now) {
      return inFlight.get() == 0 && perSecond.get() - now <= 0 && perMinute.get() - now <= 0;
    }

    /**
     * GCRA: a request is allowed when, after it, the theoretical arrival time is at most {@code
     * burst} intervals ahead of now, i.e. a client may send {@code burst} requests at once and then
     * one per interval. nanoTime values are compared by difference (they may be negative).
     */
    private static long take(AtomicLong tat, long now, long interval, long burst) {
      long tolerance = interval * burst;
      while (true) {
        long old = tat.get();
        long base = old - now < 0 ? now : old;
        long next = base + interval;
        long ahead = next - now;
        if (ahead > tolerance) {
          return ahead - tolerance;
        }
        if (tat.compareAndSet(old, next)) {
          return 0;
        }
      }
    }
  }
}
