package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.snapshot.TransferPolicy;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The per-route body timeouts of one exchange ({@link TransferPolicy}): {@code proxy-read-timeout}
 * between two reads of the response body, {@code proxy-send-timeout} while the upstream leaves the
 * request body unwritten. Made only for routes that set one, so other exchanges carry no timers.
 *
 * <p>The read timer is one timer re-armed lazily (as Netty's IdleStateHandler does): a read only
 * stores the time, and the timer, when it fires early, schedules itself for the rest. Time in which
 * the client's connection is unwritable (the proxy is not reading the upstream on purpose) is not
 * the upstream's and does not count.
 *
 * <p>Thread safety: the exchange's event loop only.
 */
final class TransferWatch {
  /** What the exchange does when a timer expires. */
  interface Expiry {
    void onTransferTimeout(ErrorKind kind);
  }

  private final long readNanos;
  private final long sendNanos;
  private final EventExecutor executor;
  private final Channel downstream;
  private final Expiry expiry;
  private ScheduledFuture<?> readTimer;
  private ScheduledFuture<?> sendTimer;
  private long lastRead;
  private boolean ended;

  TransferWatch(TransferPolicy p, EventExecutor executor, Channel downstream, Expiry expiry) {
    this.readNanos = p.readTimeout() == null ? 0 : p.readTimeout().toNanos();
    this.sendNanos = p.sendTimeout() == null ? 0 : p.sendTimeout().toNanos();
    this.executor = executor;
    this.downstream = downstream;
    this.expiry = expiry;
  }

  /** The response head went downstream: from now on reads of its body are timed. */
  void responseStarted() {
    if (readNanos > 0 && !ended) {
      lastRead = System.nanoTime();
      readTimer = executor.schedule(this::readExpired, readNanos, TimeUnit.NANOSECONDS);
    }
  }

  void upstreamRead() {
    if (readTimer != null) {
      lastRead = System.nanoTime();
    }
  }

  private void readExpired() {
    if (ended) {
      return;
    }
    long now = System.nanoTime();
    if (!downstream.isWritable()) {
      lastRead = now; // the client is not taking the response: not the upstream's time
    }
    long left = readNanos - (now - lastRead);
    if (left > 0) {
      readTimer = executor.schedule(this::readExpired, left, TimeUnit.NANOSECONDS);
      return;
    }
    readTimer = null;
    expiry.onTransferTimeout(ErrorKind.UPSTREAM_READ_TIMEOUT);
  }

  /** The upstream's socket buffer is full (or not): the request body waits on it. */
  void upstreamWritable(boolean writable) {
    if (sendNanos == 0 || ended) {
      return;
    }
    if (writable) {
      cancelSend();
    } else if (sendTimer == null) {
      sendTimer = executor.schedule(this::sendExpired, sendNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void sendExpired() {
    sendTimer = null;
    if (!ended) {
      expiry.onTransferTimeout(ErrorKind.UPSTREAM_SEND_TIMEOUT);
    }
  }

  /** The request body is all written: only reads are timed from now on. */
  void requestWritten() {
    cancelSend();
  }

  void end() {
    ended = true;
    cancelSend();
    if (readTimer != null) {
      readTimer.cancel(false);
      readTimer = null;
    }
  }

  private void cancelSend() {
    if (sendTimer != null) {
      sendTimer.cancel(false);
      sendTimer = null;
    }
  }
}
