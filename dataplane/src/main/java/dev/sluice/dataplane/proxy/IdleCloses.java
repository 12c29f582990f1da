package dev.sluice.dataplane.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/**
 * Counts client connections Sluice closed because an idle limit ran out: {@code
 * sluice_connections_idle_closed_total{reason}}. Not errors (an idle keep-alive connection closing
 * is normal), but the number shows whether a timeout is tuned too short for the clients.
 *
 * <p>Thread safety: any event loop; Micrometer counters (registered once, so two instances on one
 * registry share them).
 */
public final class IdleCloses {
  /** Micrometer name, tagged {@code reason} (lower-case {@link Reason} name). */
  public static final String METRIC = "sluice.connections.idle.closed";

  /** Which idle limit closed the connection. */
  public enum Reason {
    /** HTTP/1.1 keep-alive connection idle between requests ({@code --idle-timeout}). */
    KEEP_ALIVE,
    /** Upgraded (WebSocket) connection without traffic ({@code RoutePolicy.upgradedIdleTimeout}). */
    UPGRADED,
    /** HTTP/2 connection without an open stream ({@code H2Limits.idleTimeout}). */
    H2
  }

  private final Counter[] counts = new Counter[Reason.values().length];

  IdleCloses(MeterRegistry registry) {
    for (Reason r : Reason.values()) {
      counts[r.ordinal()] =
          Counter.builder(METRIC)
              .tag("reason", r.name().toLowerCase(Locale.ROOT))
              .description("Client connections closed by an idle timeout, by which one")
              .register(registry);
    }
  }

  /** Counts one connection closed for {@code reason}. */
  public void count(Reason reason) {
    counts[reason.ordinal()].increment();
  }

  /** Connections closed for {@code reason} since start. */
  public long total(Reason reason) {
    return (long) counts[reason.ordinal()].count();
  }
}
