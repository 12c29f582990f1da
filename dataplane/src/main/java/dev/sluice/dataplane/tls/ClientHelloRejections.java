package dev.sluice.dataplane.tls;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts connections closed by {@link ClientHelloSniffer}, by reason. One instance per listener,
 * shared by all its connections; safe to update from any event loop (LongAdder, no locks).
 */
public final class ClientHelloRejections {

  /** Micrometer name of the counter, tagged {@code reason} (lower-case enum name). */
  public static final String METER_NAME = "sluice.tls.clienthello.rejected";

  private final LongAdder[] counts = new LongAdder[ClientHelloRejection.values().length];

  public ClientHelloRejections() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void increment(ClientHelloRejection reason) {
    counts[reason.ordinal()].increment();
  }

  /** How many connections were closed for {@code reason} since start. */
  public long count(ClientHelloRejection reason) {
    return counts[reason.ordinal()].sum();
  }

  /** All rejections since start. */
  public long total() {
    long sum = 0;
    for (LongAdder a : counts) {
      sum += a.sum();
    }
    return sum;
  }

  /** A point-in-time copy, e.g. for an admin endpoint. */
  public Map<ClientHelloRejection, Long> snapshot() {
    Map<ClientHelloRejection, Long> m = new EnumMap<>(ClientHelloRejection.class);
    for (ClientHelloRejection r : ClientHelloRejection.values()) {
      m.put(r, count(r));
    }
    return m;
  }

  /** Publishes one function counter per reason, tagged with the listener name. */
  public void bindTo(MeterRegistry registry, String listener) {
    for (ClientHelloRejection r : ClientHelloRejection.values()) {
      FunctionCounter.builder(METER_NAME, counts[r.ordinal()], LongAdder::sum)
          .tag("listener", listener)
          .tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
          .description("TLS connections closed before a decision: not TLS, malformed, timeout, ...")
          .register(registry);
    }
  }
}
