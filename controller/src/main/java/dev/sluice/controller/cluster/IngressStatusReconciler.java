package dev.sluice.controller.cluster;

import dev.sluice.controller.cluster.Outcome.Address;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatus;
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
 * Leader only (JOSDK runs reconcilers on the Lease holder): writes an Ingress's {@code
 * status.loadBalancer.ingress} and reports its problems as Events. Thin on purpose: the
 * translation has already decided everything; this reads the {@link Outcome} and writes what
 * differs. The status goes through the {@code /status} subresource (JOSDK's status patch), only when
 * it changed, and no finalizer is ever added (no {@code Cleaner}: deleting an Ingress needs nothing
 * from Sluice).
 */
@ControllerConfiguration(name = IngressStatusReconciler.NAME)
final class IngressStatusReconciler implements Reconciler<Ingress> {
  static final String NAME = "sluice-ingress-status";

  private final OutcomeEventSource<Ingress> outcomes;
  private final ProblemEvents events;
  private final boolean publishing;

  /** @param publishing whether an address is configured; if not, loadBalancer is left alone */
  IngressStatusReconciler(OutcomeEventSource<Ingress> outcomes, ProblemEvents events, boolean publishing) {
    this.outcomes = outcomes;
    this.events = events;
    this.publishing = publishing;
  }

  @Override
  public List<EventSource<?, Ingress>> prepareEventSources(EventSourceContext<Ingress> context) {
    return List.of(outcomes);
  }

  @Override
  public UpdateControl<Ingress> reconcile(Ingress ingress, Context<Ingress> context) {
    Optional<Outcome> found = context.getSecondaryResource(Outcome.class);
    if (found.isEmpty() || !found.get().ours()
        || !Objects.equals(found.get().generation(), ingress.getMetadata().getGeneration())) {
      // Not translated yet at this generation (the rebuild that has it triggers us again), or
      // another controller's Ingress.
      return UpdateControl.noUpdate();
    }
    Outcome outcome = found.get();
    events.report(ingress, outcome.problems());
    if (!publishing) {
      return UpdateControl.noUpdate();
    }
    List<IngressLoadBalancerIngress> wanted = outcome.addresses().stream().map(IngressStatusReconciler::entry).toList();
    List<IngressLoadBalancerIngress> current = ingress.getStatus() == null
        || ingress.getStatus().getLoadBalancer() == null
        || ingress.getStatus().getLoadBalancer().getIngress() == null
        ? List.of()
        : ingress.getStatus().getLoadBalancer().getIngress();
    if (current.equals(wanted)) {
      return UpdateControl.noUpdate();
    }
    IngressStatus status = ingress.getStatus() == null ? new IngressStatus() : ingress.getStatus();
    status.setLoadBalancer(new IngressLoadBalancerStatus(wanted));
    ingress.setStatus(status);
    return UpdateControl.patchStatus(ingress);
  }

  private static IngressLoadBalancerIngress entry(Address a) {
    return new IngressLoadBalancerIngressBuilder().withIp(a.ip()).withHostname(a.hostname()).build();
  }
}
