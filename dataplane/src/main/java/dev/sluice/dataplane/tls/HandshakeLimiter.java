package dev.sluice.dataplane.tls;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the TLS handshakes in progress on a listener: from the moment a terminated connection's
 * ClientHello is handed to the TLS engine until its handshake succeeds, fails, times out or the
 * connection closes. A handshake is the expensive part of a TLS connection (key exchange, certificate
 * signature) and each one in progress holds engine state and a timer, so a flood of clients that
 * send a ClientHello and then stall is bounded here, not only by the connection cap. A connection
 * over the cap is closed at once and counted as {@link ClientHelloRejection#TOO_MANY_HANDSHAKES}.
 *
 * <p>Thread safety: shared by all connections of a listener, used from every event loop; one
 * atomic counter, no locks. Each successful {@link #tryAcquire} must be matched by exactly one
 * {@link #release} (the caller keeps a flag).
 */
public final class HandshakeLimiter {
  /** Micrometer gauge of the handshakes in progress, tagged {@code listener}. */
  public static final String GAUGE_NAME = "sluice.tls.handshakes.in.progress";

  private final int max;
  private final ClientHelloRejections rejections;
  private final AtomicInteger inProgress = new AtomicInteger();

  /**
   * @param max handshakes allowed in progress at once, at least 1
   * @param rejections where a refused connection is counted
   */
  public HandshakeLimiter(int max, ClientHelloRejections rejections) {
    if (max < 1) {
      throw new IllegalArgumentException("max handshakes must be >= 1: " + max);
    }
    this.max = max;
    this.rejections = rejections;
  }

  /**
   * Takes a slot for one handshake. Returns false, and counts the rejection, when the cap is
   * reached; the caller then closes the connection and must not call {@link #release}.
   */
  public boolean tryAcquire() {
    // increment first, undo when over: lock-free, and never more than max slots held at once
    if (inProgress.incrementAndGet() > max) {
      inProgress.decrementAndGet();
      rejections.increment(ClientHelloRejection.TOO_MANY_HANDSHAKES);
      return false;
    }
    return true;
  }

  /** Gives back a slot taken by a successful {@link #tryAcquire}. */
  public void release() {
    inProgress.decrementAndGet();
  }

  /** Handshakes in progress now. */
  public int inProgress() {
    return inProgress.get();
  }

  public int max() {
    return max;
  }

  /** Publishes the handshakes in progress as a gauge tagged with the listener name. */
  public void bindTo(MeterRegistry registry, String listener) {
    Gauge.builder(GAUGE_NAME, inProgress, AtomicInteger::get)
        .tag("listener", listener)
        .description("TLS handshakes in progress (capped by --max-tls-handshakes)")
        .register(registry);
  }
}
