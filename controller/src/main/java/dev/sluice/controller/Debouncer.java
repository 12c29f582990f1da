package dev.sluice.controller;

import java.time.Duration;

/**
 * When a burst of changes should turn into one rebuild: once no change has arrived for the quiet
 * period, or at the latest the max delay after the first unprocessed change (so a steady trickle of
 * changes cannot postpone the rebuild forever). Both snapshot sources use it: the manifest folder
 * watcher and the cluster controller's rebuild loop.
 *
 * <p>Only timing state, no thread: the owner calls {@link #changed}, asks {@link #nanosUntilDue} how
 * long it may block, and calls {@link #clear} when it starts the rebuild. Not thread-safe; confine
 * it to one thread or guard it with the owner's lock. Times are {@link System#nanoTime()} values.
 */
public final class Debouncer {
  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1);

  private final long quietNanos;
  private final long maxDelayNanos;
  private long dirtySince; // first unprocessed change; meaningful only while dirty
  private long lastChange;
  private boolean dirty;

  public Debouncer(Duration quietPeriod, Duration maxDelay) {
    if (quietPeriod.isNegative() || maxDelay.isNegative()) {
      throw new IllegalArgumentException("debounce durations must not be negative");
    }
    this.quietNanos = quietPeriod.toNanos();
    this.maxDelayNanos = Math.max(maxDelay.toNanos(), quietNanos);
  }

  /** Records a change seen at {@code now}. */
  public void changed(long now) {
    if (!dirty) {
      dirty = true;
      dirtySince = now;
    }
    lastChange = now;
  }

  public boolean isDirty() {
    return dirty;
  }

  /** Whether the rebuild should start at {@code now}. */
  public boolean due(long now) {
    return dirty && nanosUntilDue(now) <= 0;
  }

  /**
   * @return nanoseconds until the rebuild is due (0 or less: now), {@link Long#MAX_VALUE} when
   *     nothing changed
   */
  public long nanosUntilDue(long now) {
    if (!dirty) {
      return Long.MAX_VALUE;
    }
    return Math.min(lastChange + quietNanos, dirtySince + maxDelayNanos) - now;
  }

  /** The rebuild starts now: changes from here on count toward the next one. */
  public void clear() {
    dirty = false;
  }
}
