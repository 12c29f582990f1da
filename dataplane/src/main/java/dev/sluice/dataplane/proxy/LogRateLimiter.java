package dev.sluice.dataplane.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets at most {@code linesPerWindow} log lines through per fixed time window and counts the rest,
 * so a client sending bad requests in a loop cannot flood the log. The lines refused in one window
 * are reported by the first line of a later window ({@link #tryAcquire}'s return value), so the
 * log still says how much happened.
 *
 * <p>Thread safety: lock-free, any thread. At a window boundary two threads may briefly disagree
 * on the window; the cost is at most a few lines more, never a lost count of suppressed lines.
 */
final class LogRateLimiter {
  /** {@link #tryAcquire}: do not log this line. */
  static final long SUPPRESS = -1;

  private final int linesPerWindow;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong windowStart;
  private final AtomicInteger lines = new AtomicInteger();
  private final AtomicLong suppressed = new AtomicLong();

  LogRateLimiter(int linesPerWindow, Duration window, LongSupplier nanoClock) {
    if (linesPerWindow < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException(
          "need at least one line per positive window: " + linesPerWindow + " per " + window);
    }
    this.linesPerWindow = linesPerWindow;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
    this.windowStart = new AtomicLong(nanoClock.getAsLong());
  }

  /**
   * Asks to log one line. Returns {@link #SUPPRESS} when this window's lines are used up (the
   * line is counted as suppressed); otherwise the number of lines suppressed since the last
   * report, which the caller reports first when it is above 0.
   */
  long tryAcquire() {
    long now = nanoClock.getAsLong();
    long start = windowStart.get();
    long report = 0;
    if (now - start >= windowNanos && windowStart.compareAndSet(start, now)) {
      lines.set(0);
      report = suppressed.getAndSet(0);
    }
    if (lines.incrementAndGet() > linesPerWindow) {
      suppressed.incrementAndGet();
      return SUPPRESS;
    }
    return report;
  }

  /** Lines suppressed and not yet reported. */
  long pending() {
    return suppressed.get();
  }
}
