package dev.sluice.controller.metrics;

import dev.sluice.controller.translate.Translation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The controller's side of {@code /metrics}: how snapshots are built, how fast an API change goes
 * live, what the last translation rejected, reconciles, and certificate expiry. Both snapshot
 * sources feed it (the cluster controller's rebuild loop and reconcilers; the manifest folder's
 * translations). Micrometer names, with the Prometheus names they are scraped as:
 *
 * <ul>
 *   <li>{@value #BUILD} ({@code sluice_controller_snapshot_build_duration_seconds}, histogram):
 *       one rebuild, from reading the caches through translating to the snapshot being live (the
 *       publish is included when the content changed);
 *   <li>{@value #CHANGE_TO_LIVE} ({@code sluice_controller_change_to_live_duration_seconds},
 *       histogram): from the first watch event that dirtied the state to the snapshot with it
 *       being live; recorded only when a new snapshot was published (a change that translates to
 *       the same snapshot makes nothing go live), never for the first snapshot (startup);
 *   <li>{@link ReconcileMetrics}: reconciles and reconcile errors per kind;
 *   <li>{@link TranslationGauges}: resources rejected per kind and reason, and per translator
 *       limit;
 *   <li>{@link CertificateExpiry}: seconds until each served host's certificate expires.
 * </ul>
 *
 * <p>The snapshot version is the data plane's {@code sluice_snapshot_version} ({@code
 * SnapshotMetrics}), read from what is being served.
 *
 * <p>Threading: {@link #built}, {@link #live} and {@link #translated} are called by one thread at a
 * time (the rebuild or manifest thread); meters are read by the scrape thread.
 */
public final class ControllerMetrics {
  public static final String BUILD = "sluice.controller.snapshot.build.duration";
  public static final String CHANGE_TO_LIVE = "sluice.controller.change.to.live.duration";

  /**
   * Bucket bounds of both histograms: 1 ms .. 30 s. A rebuild of a small cluster takes a few
   * milliseconds, 10k Ingresses take ~100 ms, and change-to-live adds the debounce (100 ms quiet,
   * 1 s at most) plus, on a cold start of many certificates, seconds of TLS context building.
   */
  static final List<Duration> BUCKETS =
      List.of(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000).stream()
          .map(Duration::ofMillis)
          .toList();

  private final Timer build;
  private final Timer changeToLive;
  private final MeterRegistry registry;
  private ReconcileMetrics reconciles; // guarded by this; cluster mode only
  private final TranslationGauges translations;
  private final CertificateExpiry certificates;

  public ControllerMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.build =
        histogram(Timer.builder(BUILD))
            .description("Snapshot rebuilds: reading the caches, translating, publishing if changed")
            .register(registry);
    this.changeToLive =
        histogram(Timer.builder(CHANGE_TO_LIVE))
            .description("From the first change event of a rebuild to its snapshot being live")
            .register(registry);
    this.translations = new TranslationGauges(registry);
    this.certificates = new CertificateExpiry(registry);
  }

  /** Metrics that go nowhere, for callers (tests, tools) that have no registry. */
  public static ControllerMetrics discarding() {
    return new ControllerMetrics(new SimpleMeterRegistry());
  }

  /** One rebuild took {@code nanos}. */
  public void built(long nanos) {
    build.record(Duration.ofNanos(Math.max(0, nanos)));
  }

  /** A snapshot went live {@code nanos} after the first change it contains was seen. */
  public void live(long nanos) {
    changeToLive.record(Duration.ofNanos(Math.max(0, nanos)));
  }

  /**
   * A translation finished: the rejection gauges follow its problems, and the certificate gauges
   * the certificates of its snapshot.
   */
  public void translated(Translation t) {
    translations.update(t.problems());
    certificates.update(t.snapshot().certificates());
  }

  /**
   * The JOSDK hook counting reconciles; give it to the operator's configuration. Its counters are
   * registered on the first call, so standalone mode (no reconcilers) shows none.
   */
  public synchronized ReconcileMetrics reconciles() {
    if (reconciles == null) {
      reconciles = new ReconcileMetrics(registry);
    }
    return reconciles;
  }

  private static Timer.Builder histogram(Timer.Builder b) {
    return b.serviceLevelObjectives(BUCKETS.toArray(Duration[]::new))
        .minimumExpectedValue(BUCKETS.getFirst())
        .maximumExpectedValue(BUCKETS.getLast());
  }
}
