package dev.sluice.controller.cluster;

import dev.sluice.controller.translate.ResourceProblem;
import java.util.List;

/**
 * What the last translation said about one Ingress or TLSPassthroughRoute: everything its status
 * and Events are derived from. Two equal outcomes give the same status, which is how the {@link
 * OutcomeEventSource} knows whom to reconcile after a rebuild.
 *
 * @param generation {@code metadata.generation} of the object that was translated (a reconciler
 *     holding a different generation waits for the rebuild that has it)
 * @param ours whether Sluice serves it (its ingress class is Sluice's); status and Events are only
 *     written for these
 * @param problems what the translator reported for it, in its order; empty when all is well
 * @param addresses the load-balancer addresses to publish (Ingresses only)
 */
record Outcome(
    Long generation, boolean ours, List<ResourceProblem> problems, List<Address> addresses) {

  Outcome {
    problems = List.copyOf(problems);
    addresses = List.copyOf(addresses);
  }

  /** One {@code status.loadBalancer.ingress} entry: an IP or a host name (the other is null). */
  record Address(String ip, String hostname) {}
}
