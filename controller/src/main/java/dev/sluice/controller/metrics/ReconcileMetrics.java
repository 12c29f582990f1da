package dev.sluice.controller.metrics;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JOSDK's monitoring hook, counting what the status reconcilers (leader only) do, per kind:
 *
 * <ul>
 *   <li>{@value #RECONCILES} ({@code sluice_controller_reconciles_total{kind}}): reconciles
 *       started, retries included;
 *   <li>{@value #ERRORS} ({@code sluice_controller_reconcile_errors_total{kind}}): reconciles that
 *       failed (the reconciler threw, or writing the status did), each retried with backoff.
 * </ul>
 *
 * {@code kind} is the Kubernetes kind ({@code Ingress}, {@code TLSPassthroughRoute}); both are
 * registered at 0 so a rate() has a series from the start. Only the kinds Sluice reconciles can
 * appear, which bounds the label.
 *
 * <p>Threading: called on JOSDK's reconciler threads; counters are thread-safe and the per-kind map
 * is only added to for a kind not seen before.
 */
public final class ReconcileMetrics implements Metrics {
  public static final String RECONCILES = "sluice.controller.reconciles";
  public static final String ERRORS = "sluice.controller.reconcile.errors";

  /** The kinds Sluice reconciles. */
  static final List<String> KINDS = List.of("Ingress", TLSPassthroughRoute.KIND);

  private final MeterRegistry registry;
  private final Map<String, Counter> reconciles = new ConcurrentHashMap<>();
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();

  ReconcileMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (String kind : KINDS) {
      counter(reconciles, RECONCILES, kind);
      counter(errors, ERRORS, kind);
    }
  }

  @Override
  public void reconcileCustomResource(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    counter(reconciles, RECONCILES, resource.getKind()).increment();
  }

  @Override
  public void failedReconciliation(
      HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    counter(errors, ERRORS, resource.getKind()).increment();
  }

  private Counter counter(Map<String, Counter> map, String name, String kind) {
    String k = kind == null ? "unknown" : kind;
    return map.computeIfAbsent(
        k,
        x ->
            Counter.builder(name)
                .tag("kind", x)
                .description(
                    name.equals(RECONCILES)
                        ? "Status reconciles started (leader only), retries included"
                        : "Status reconciles that failed and are retried")
                .register(registry));
  }
}
