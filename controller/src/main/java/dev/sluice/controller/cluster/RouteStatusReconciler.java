package dev.sluice.controller.cluster;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.crd.TLSPassthroughRouteStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Leader only: writes a TLSPassthroughRoute's {@code status} ({@code observedGeneration}, {@code
 * Accepted}, {@code ResolvedRefs}; see {@link RouteConditions}) and reports its problems as Events.
 * Writes only when the status changed; never adds a finalizer. Routes of another ingress class are
 * left alone: their status belongs to whoever serves them.
 */
@ControllerConfiguration(name = RouteStatusReconciler.NAME)
final class RouteStatusReconciler implements Reconciler<TLSPassthroughRoute> {
  static final String NAME = "sluice-route-status";

  private final OutcomeEventSource<TLSPassthroughRoute> outcomes;
  private final ProblemEvents events;

  RouteStatusReconciler(OutcomeEventSource<TLSPassthroughRoute> outcomes, ProblemEvents events) {
    this.outcomes = outcomes;
    this.events = events;
  }

  @Override
  public List<EventSource<?, TLSPassthroughRoute>> prepareEventSources(
      EventSourceContext<TLSPassthroughRoute> context) {
    return List.of(outcomes);
  }

  @Override
  public UpdateControl<TLSPassthroughRoute> reconcile(
      TLSPassthroughRoute route, Context<TLSPassthroughRoute> context) {
    Optional<Outcome> found = context.getSecondaryResource(Outcome.class);
    Long generation = route.getMetadata().getGeneration();
    if (found.isEmpty() || !found.get().ours()
        || !Objects.equals(found.get().generation(), generation)) {
      return UpdateControl.noUpdate();
    }
    events.report(route, found.get().problems());
    TLSPassthroughRouteStatus wanted =
        RouteConditions.status(found.get().problems(), generation, route.getStatus());
    if (sameStatus(wanted, route.getStatus())) {
      return UpdateControl.noUpdate();
    }
    route.setStatus(wanted);
    return UpdateControl.patchStatus(route);
  }

  private static boolean sameStatus(TLSPassthroughRouteStatus a, TLSPassthroughRouteStatus b) {
    return b != null
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Objects.equals(a.getConditions(), b.getConditions());
  }
}
