package dev.sluice.controller.metrics;

import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.controller.translate.TranslatorLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.LinkedHashMap;

/**
 * Gauges of the last translation's problems (state, not events: a rejected Ingress counts while it
 * stays rejected, and drops to 0 once fixed or deleted):
 *
 * <ul>
 *   <li>{@value #REJECTED} ({@code sluice_controller_rejected_resources{kind,reason}}): resources
 *       the translation left out in whole or in part, counted once per kind, reason and resource.
 *       {@code reason} is a {@link Reason} (e.g. {@code BackendNotFound}, {@code LimitExceeded});
 *       {@code IngressClassMismatch} is not counted (another controller's object is not an error);
 *   <li>{@value #LIMITS} ({@code sluice_controller_limit_rejected_resources{limit}}): resources
 *       left out because they are over a {@link TranslatorLimits} limit, by limit ({@code
 *       paths_per_ingress}, {@code annotations_bytes}, ...).
 * </ul>
 *
 * Every label value comes from a closed set (kinds, the {@link Reason} enum, {@link
 * TranslatorLimits#NAMES}), never from a resource's name; known series are registered at 0.
 *
 * <p>Threading: {@link #update} by one thread at a time; Micrometer reads the rows at scrape time.
 */
final class TranslationGauges {
  public static final String REJECTED = "sluice.controller.rejected.resources";
  public static final String LIMITS = "sluice.controller.limit.rejected.resources";

  private final MultiGauge rejected;
  private final MultiGauge limits;

  TranslationGauges(MeterRegistry registry) {
    this.rejected =
        MultiGauge.builder(REJECTED)
            .description("Resources the last translation left out in whole or in part")
            .register(registry);
    this.limits =
        MultiGauge.builder(LIMITS)
            .description("Resources left out for being over a translator limit")
            .register(registry);
    update(List.of());
  }

  void update(List<ResourceProblem> problems) {
    Map<Tags, Set<String>> byKindReason = new LinkedHashMap<>();
    for (String kind : ReconcileMetrics.KINDS) {
      for (Reason r : Reason.values()) {
        if (r != Reason.IngressClassMismatch) {
          byKindReason.put(Tags.of("kind", kind, "reason", r.name()), new HashSet<>());
        }
      }
    }
    Map<Tags, Set<String>> byLimit = new LinkedHashMap<>();
    for (String name : TranslatorLimits.NAMES) {
      byLimit.put(Tags.of("limit", label(name)), new HashSet<>());
    }
    for (ResourceProblem p : problems) {
      if (p.reason() == Reason.IngressClassMismatch) {
        continue;
      }
      String resource = p.kind() + " " + p.namespace() + "/" + p.name();
      byKindReason
          .computeIfAbsent(
              Tags.of("kind", p.kind(), "reason", p.reason().name()), t -> new HashSet<>())
          .add(resource);
      TranslatorLimits.exceeded(p)
          .ifPresent(limit -> byLimit.get(Tags.of("limit", label(limit))).add(resource));
    }
    rejected.register(rows(byKindReason), true);
    limits.register(rows(byLimit), true);
  }

  /** {@code MAX_PATHS_PER_INGRESS} -> {@code paths_per_ingress}. */
  static String label(String limitName) {
    return limitName.toLowerCase(Locale.ROOT).replaceFirst("^max_", "");
  }

  private static List<MultiGauge.Row<?>> rows(Map<Tags, Set<String>> counts) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>(counts.size());
    counts.forEach((tags, resources) -> rows.add(MultiGauge.Row.of(tags, resources.size())));
    return rows;
  }
}
