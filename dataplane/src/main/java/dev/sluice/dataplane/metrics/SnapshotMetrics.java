package dev.sluice.dataplane.metrics;

import dev.sluice.dataplane.SnapshotHolder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.util.concurrent.TimeUnit;

/**
 * Gauges of the routing state, read from the {@link SnapshotHolder} at scrape time (nothing is
 * pushed on publish):
 *
 * <ul>
 *   <li>{@code sluice.snapshot.version} ({@code sluice_snapshot_version}): version being served;
 *   <li>{@code sluice.snapshot.last.publish.time} ({@code
 *       sluice_snapshot_last_publish_time_seconds}): Unix time of the last publish, 0 before;
 *   <li>{@code sluice.snapshot.publishes} ({@code sluice_snapshot_publishes_total}).
 * </ul>
 */
public final class SnapshotMetrics {
  public static final String VERSION = "sluice.snapshot.version";
  public static final String LAST_PUBLISH = "sluice.snapshot.last.publish.time";
  public static final String PUBLISHES = "sluice.snapshot.publishes";

  private SnapshotMetrics() {}

  public static void bind(SnapshotHolder holder, MeterRegistry registry) {
    Gauge.builder(VERSION, holder, h -> h.current().snapshot().version())
        .description("Version of the snapshot being served")
        .strongReference(true)
        .register(registry);
    TimeGauge.builder(
            LAST_PUBLISH, holder, TimeUnit.MILLISECONDS, SnapshotHolder::lastPublishedAtMillis)
        .description("When the snapshot being served was published (Unix time)")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder(PUBLISHES, holder, SnapshotHolder::publishCount)
        .description("Snapshots published since start")
        .register(registry);
  }
}
