package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runtime state of one endpoint of one backend group: requests in flight and a peak-EWMA of its
 * response latency. Outlives snapshots (the {@link EndpointRegistry} hands the same instance to
 * every snapshot that still has the endpoint), so a swap resets neither. When the endpoint's weight
 * or readiness changes the registry makes a new instance that shares the same counters.
 *
 * <p>Thread safety: any event loop may start or finish requests and record latencies; counters are
 * atomics or volatiles, no locks. Two latencies recorded at the same instant may lose one of them
 * (last writer wins): a moving average survives a lost sample, and a CAS loop over two fields would
 * cost more than the sample is worth.
 */
public final class EndpointState {
  /**
   * How fast old latencies fade: a sample's weight falls to 1/e after this long (Finagle's and
   * ingress-nginx's 10 seconds).
   */
  static final long DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Endpoint endpoint;
  private final Load load;

  /** Shared by an endpoint's successive states. */
  private static final class Load {
    final AtomicInteger inFlight = new AtomicInteger();
    volatile double latencyNanos; // peak-EWMA as of latencyStamp; 0 before the first sample
    volatile long latencyStamp;
  }

  public EndpointState(Endpoint endpoint) {
    this(endpoint, new Load());
  }

  private EndpointState(Endpoint endpoint, Load load) {
    this.endpoint = endpoint;
    this.load = load;
  }

  /**
   * Successor of this state for a changed version of the same endpoint (new weight or readiness)
   * that shares its counters: requests started on the old object finish on it and still count here.
   */
  EndpointState withEndpoint(Endpoint changed) {
    return new EndpointState(changed, load);
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public int inFlight() {
    return load.inFlight.get();
  }

  public void requestStarted() {
    load.inFlight.incrementAndGet();
  }

  public void requestFinished() {
    load.inFlight.decrementAndGet();
  }

  /**
   * Adds one response latency to the peak-EWMA: a sample above the average replaces it at once (a
   * slowing endpoint is noticed on its first slow answer), one below pulls it down with a weight
   * that grows with the time since the last sample.
   */
  void recordLatency(long nanos, long now) {
    Load l = load;
    double sample = Math.max(0, nanos);
    double v = l.latencyNanos;
    double w = weightOfOld(l, now);
    l.latencyNanos = sample > v ? sample : v * w + sample * (1 - w);
    l.latencyStamp = now;
  }

  /** The peak-EWMA of latency at {@code now} (it decays towards 0 while nothing is recorded). */
  double latencyNanos(long now) {
    return decayed(load, now);
  }

  private static double decayed(Load l, long now) {
    double v = l.latencyNanos;
    return v == 0 ? 0 : v * weightOfOld(l, now);
  }

  private static double weightOfOld(Load l, long now) {
    long elapsed = Math.max(0, now - l.latencyStamp);
    return Math.exp(-(double) elapsed / DECAY_NANOS);
  }

  @Override
  public String toString() {
    return endpoint.authority() + "(inFlight=" + inFlight() + ")";
  }
}
