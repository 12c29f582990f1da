package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runtime state of one endpoint of one backend group: requests in flight. Outlives snapshots (the
 * {@link EndpointRegistry} hands the same instance to every snapshot that still has the endpoint),
 * so a swap does not reset least-request counts. When the endpoint's weight or readiness changes
 * the registry makes a new instance that shares the same counter.
 *
 * <p>Thread safety: any event loop may start or finish requests; counters are atomics, no locks.
 */
public final class EndpointState {
  private final Endpoint endpoint;
  private final AtomicInteger inFlight;

  public EndpointState(Endpoint endpoint) {
    this(endpoint, new AtomicInteger());
  }

  /**
   * A state for a changed version of an endpoint (new weight or readiness) that shares the counter
   * of the previous one: requests started on the old object finish on it and still count here.
   */
  EndpointState(Endpoint endpoint, AtomicInteger inFlight) {
    this.endpoint = endpoint;
    this.inFlight = inFlight;
  }

  /** Successor of this state for a changed version of the same endpoint. */
  EndpointState withEndpoint(Endpoint changed) {
    return new EndpointState(changed, inFlight);
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestFinished() {
    inFlight.decrementAndGet();
  }

  @Override
  public String toString() {
    return endpoint.authority() + "(inFlight=" + inFlight.get() + ")";
  }
}
