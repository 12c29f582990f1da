package dev.sluice.controller.cluster;

import dev.sluice.controller.crd.TLSPassthroughRouteStatus;
import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A TLSPassthroughRoute's status from the translator's problems, in Gateway API style:
 *
 * <ul>
 *   <li>{@code ResolvedRefs}: False with {@code BackendNotFound} / {@code PortNotFound} when a
 *       backend does not resolve, else True;
 *   <li>{@code Accepted}: False with the first other problem's reason ({@code HostnameConflict},
 *       {@code InvalidSpec}, ...), else True.
 * </ul>
 *
 * A condition keeps its {@code lastTransitionTime} while its status stays the same, so an unchanged
 * outcome yields an equal status object and no write. Pure functions.
 */
final class RouteConditions {
  static final String ACCEPTED = "Accepted";
  static final String RESOLVED_REFS = "ResolvedRefs";
  private static final Set<Reason> REF_REASONS = EnumSet.of(Reason.BackendNotFound, Reason.PortNotFound);

  private RouteConditions() {}

  static TLSPassthroughRouteStatus status(
      List<ResourceProblem> problems, Long generation, TLSPassthroughRouteStatus previous) {
    List<ResourceProblem> refs = problems.stream().filter(p -> REF_REASONS.contains(p.reason())).toList();
    List<ResourceProblem> other = problems.stream()
        .filter(p -> !REF_REASONS.contains(p.reason()) && p.reason() != Reason.IngressClassMismatch)
        .toList();
    List<Condition> old = previous == null || previous.getConditions() == null
        ? List.of() : previous.getConditions();
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(ACCEPTED, other, "The route is served.", generation, old));
    conditions.add(condition(RESOLVED_REFS, refs, "All backends resolve.", generation, old));
    TLSPassthroughRouteStatus s = new TLSPassthroughRouteStatus();
    s.setObservedGeneration(generation);
    s.setConditions(conditions);
    return s;
  }

  private static Condition condition(
      String type, List<ResourceProblem> problems, String okMessage, Long generation, List<Condition> old) {
    String status = problems.isEmpty() ? "True" : "False";
    String reason = problems.isEmpty() ? type : problems.getFirst().reason().name();
    String message = problems.isEmpty()
        ? okMessage
        : problems.stream().map(ResourceProblem::message).distinct().collect(Collectors.joining("; "));
    String since = old.stream()
        .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
        .map(Condition::getLastTransitionTime)
        .filter(Objects::nonNull)
        .findFirst()
        .orElseGet(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
