package dev.sluice.controller.cluster;

import dev.sluice.controller.Debouncer;
import dev.sluice.controller.metrics.ControllerMetrics;
import dev.sluice.controller.translate.ClusterState;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.dataplane.snapshot.Snapshot;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns "something changed" into coalesced rebuilds: {@link #markDirty()} (from any informer
 * thread) only flips a flag; one thread ({@code sluice-rebuild}) waits for the {@link Debouncer},
 * reads the whole cache, translates it and publishes the snapshot. Nothing is published before the
 * caches have synced, so the data plane's first snapshot is a complete one; from then on every
 * translation is handed to {@code onTranslated} (the status side), and the snapshot is published
 * only when its content differs from the last one (status writes echo back as no-op rebuilds).
 *
 * <p>Threading: {@link #markDirty()}, {@link #ready()} and {@link #close()} may be called from any
 * thread; the translator, the sink and {@code onTranslated} are only called on the rebuild thread.
 */
final class RebuildLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RebuildLoop.class);
  /** How often the loop looks at the caches while they are still syncing. */
  private static final long SYNC_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** One finished translation and the cache contents it was made from. */
  record Built(ClusterState state, Translation translation) {}

  private final Supplier<ClusterState> state;
  private final BooleanSupplier synced;
  private final SnapshotTranslator translator;
  private final Consumer<Snapshot> sink;
  private final Consumer<Built> onTranslated;
  private final ControllerMetrics metrics;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Debouncer debouncer; // guarded by lock
  private boolean closed; // guarded by lock
  /** When the first change not yet rebuilt was seen (nanoTime); guarded by lock, set while dirty. */
  private long dirtySince; // guarded by lock

  // Rebuild-thread state.
  private long version;
  private Snapshot lastPublished;
  /** The {@link #dirtySince} the rebuild in progress started from, or {@link #NO_CHANGE}. */
  private long changeSince = NO_CHANGE;

  private static final long NO_CHANGE = Long.MIN_VALUE;

  private volatile boolean ready;
  private volatile Thread thread;

  RebuildLoop(
      Supplier<ClusterState> state,
      BooleanSupplier synced,
      SnapshotTranslator translator,
      Consumer<Snapshot> sink,
      Consumer<Built> onTranslated,
      Duration quietPeriod,
      Duration maxDelay,
      ControllerMetrics metrics) {
    this.state = Objects.requireNonNull(state, "state");
    this.synced = Objects.requireNonNull(synced, "synced");
    this.translator = Objects.requireNonNull(translator, "translator");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.onTranslated = Objects.requireNonNull(onTranslated, "onTranslated");
    this.debouncer = new Debouncer(quietPeriod, maxDelay);
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    Thread t = new Thread(this::loop, "sluice-rebuild");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Something in the cache changed: a rebuild follows after the debounce. */
  void markDirty() {
    lock.lock();
    try {
      long now = System.nanoTime();
      if (!debouncer.isDirty()) {
        dirtySince = now;
      }
      debouncer.changed(now);
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** True once the first complete snapshot (from synced caches) has been published. */
  boolean ready() {
    return ready;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop() {
    while (awaitWork()) {
      try {
        rebuild();
      } catch (RuntimeException e) {
        // The translator does not throw on user input; this is a bug. Keep serving the last
        // snapshot and try again on the next change rather than dying.
        log.error("rebuild failed; still serving the last snapshot", e);
      }
    }
  }

  /** Blocks until a rebuild is due; false when closed. */
  private boolean awaitWork() {
    lock.lock();
    try {
      while (!closed) {
        long now = System.nanoTime();
        boolean firstSyncDone = !ready && synced.getAsBoolean();
        if (firstSyncDone || (ready && debouncer.due(now))) {
          // the first snapshot is startup, not a change going live
          changeSince = ready && debouncer.isDirty() ? dirtySince : NO_CHANGE;
          debouncer.clear();
          return true;
        }
        long wait = ready ? debouncer.nanosUntilDue(now) : SYNC_POLL_NANOS;
        if (wait == Long.MAX_VALUE) {
          wake.await();
        } else {
          wake.awaitNanos(Math.max(1, wait));
        }
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void rebuild() {
    long start = System.nanoTime();
    ClusterState current = state.get();
    Translation t = translator.translate(current, version + 1);
    Snapshot s = t.snapshot();
    if (lastPublished == null || !sameContent(lastPublished, s)) {
      version++;
      sink.accept(s);
      lastPublished = s;
      long live = System.nanoTime();
      if (changeSince != NO_CHANGE) {
        metrics.live(live - changeSince);
      }
      log.info("published snapshot v{}: {} hosts, {} passthrough, {} certificates, {} problems",
          s.version(), s.virtualHosts().size(), s.passthrough().size(), s.certificates().size(),
          t.problems().size());
    }
    metrics.built(System.nanoTime() - start);
    metrics.translated(t);
    ready = true;
    onTranslated.accept(new Built(current, t));
  }

  private static boolean sameContent(Snapshot a, Snapshot b) {
    return a.virtualHosts().equals(b.virtualHosts())
        && a.passthrough().equals(b.passthrough())
        && a.certificates().equals(b.certificates())
        && a.acmeChallenges().equals(b.acmeChallenges());
  }
}
