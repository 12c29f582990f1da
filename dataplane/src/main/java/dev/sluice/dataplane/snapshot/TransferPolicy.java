package dev.sluice.dataplane.snapshot;

import java.time.Duration;

/**
 * Timeouts between the pieces of a request or response body and the largest request body ({@code
 * proxy-read-timeout}, {@code proxy-send-timeout}, {@code proxy-body-size}).
 *
 * <p>The body size composes with the listener-wide {@code Limits.maxBodySize}: both apply, so the
 * smaller wins.
 *
 * @param readTimeout longest wait between two reads of the response body from the upstream, while
 *     the client is taking what it gets (time the client spends not reading does not count); past
 *     it the client connection is cut. {@code null}: no limit
 * @param sendTimeout longest time the upstream may leave the request body unwritten (its socket
 *     full); past it 504 (or a cut connection once the response started). {@code null}: no limit
 * @param maxBodySize bytes of one request body; past it 413. 0: no route limit
 */
public record TransferPolicy(Duration readTimeout, Duration sendTimeout, long maxBodySize) {
  public static final TransferPolicy NONE = new TransferPolicy(null, null, 0);

  public TransferPolicy {
    if (readTimeout != null && (readTimeout.isNegative() || readTimeout.isZero())) {
      throw new IllegalArgumentException("read timeout must be positive");
    }
    if (sendTimeout != null && (sendTimeout.isNegative() || sendTimeout.isZero())) {
      throw new IllegalArgumentException("send timeout must be positive");
    }
    if (maxBodySize < 0) {
      throw new IllegalArgumentException("body size must be >= 0 (0 = no limit)");
    }
  }

  /** Whether nothing is limited. */
  public boolean isNone() {
    return this.equals(NONE);
  }
}
