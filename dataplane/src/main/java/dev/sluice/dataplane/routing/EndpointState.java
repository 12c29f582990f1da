package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runtime state of one endpoint of one backend group: requests in flight. Outlives snapshots (the
 * {@link EndpointRegistry} hands the same instance to every snapshot that still has the endpoint),
 * so a swap does not reset least-request counts.
 *
 * <p>Thread safety: any event loop may start or finish requests; counters are atomics, no locks.
 */
public final class EndpointState {
  private final Endpoint endpoint;
  private final AtomicInteger inFlight = new AtomicInteger();

  EndpointState(Endpoint endpoint) {
    this.endpoint = endpoint;
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
