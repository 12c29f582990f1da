package dev.sluice.dataplane.upstream;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts pooled upstream connections the pools close themselves: {@code
 * sluice_upstream_pool_closed_total{reason=idle_timeout|surplus}}. {@code idle_timeout}: unused for
 * the pool's idle timeout (HTTP/1.1 and HTTP/2); {@code surplus}: returned while its endpoint
 * already had {@code upstreamMaxIdlePerEndpoint} idle ones. A high surplus rate means the idle cap
 * is too small for the traffic (connections are opened and closed instead of reused).
 *
 * <p>Thread safety: updated from every loop's pool; LongAdders, no locks.
 */
public final class PoolCloses {
  public static final String METRIC = "sluice.upstream.pool.closed";

  final LongAdder idleTimeout = new LongAdder();
  final LongAdder surplus = new LongAdder();

  /** Connections closed after the idle timeout, since start. */
  public long idleTimeouts() {
    return idleTimeout.sum();
  }

  /** Connections closed because the endpoint's idle list was full, since start. */
  public long surplus() {
    return surplus.sum();
  }

  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder(METRIC, idleTimeout, LongAdder::sum)
        .tag("reason", "idle_timeout")
        .description("Pooled upstream connections closed by the pool")
        .register(registry);
    FunctionCounter.builder(METRIC, surplus, LongAdder::sum)
        .tag("reason", "surplus")
        .description("Pooled upstream connections closed by the pool")
        .register(registry);
  }
}
