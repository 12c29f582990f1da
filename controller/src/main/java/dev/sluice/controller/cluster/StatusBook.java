package dev.sluice.controller.cluster;

import dev.sluice.controller.cluster.Outcome.Address;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.translate.ClusterState;
import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.controller.translate.Translation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The outcome of one translation per Ingress and per TLSPassthroughRoute, indexed by {@link
 * ResourceID} so a reconciler finds its own in O(1) and the event sources can diff two books without
 * scanning the cluster. Immutable.
 */
record StatusBook(Map<ResourceID, Outcome> ingresses, Map<ResourceID, Outcome> routes) {
  static final StatusBook EMPTY = new StatusBook(Map.of(), Map.of());

  private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");

  StatusBook {
    ingresses = Map.copyOf(ingresses);
    routes = Map.copyOf(routes);
  }

  /**
   * @param publishService the {@code --publish-service} Service as cached (empty when not configured
   *     or not found)
   * @param publishAddress {@code --publish-address}, or null
   */
  static StatusBook of(
      ClusterState state, Translation t, Optional<Service> publishService, String publishAddress) {
    Map<String, List<ResourceProblem>> problems = new HashMap<>();
    for (ResourceProblem p : t.problems()) {
      problems.computeIfAbsent(p.kind() + " " + p.namespace() + "/" + p.name(),
          k -> new ArrayList<>()).add(p);
    }
    List<Address> addresses = addresses(publishService, publishAddress);
    Map<ResourceID, Outcome> ingresses = new HashMap<>();
    for (HasMetadata i : state.ingresses()) {
      ingresses.put(ResourceID.fromResource(i), outcome("Ingress", i, problems, addresses));
    }
    Map<ResourceID, Outcome> routes = new HashMap<>();
    for (HasMetadata r : state.passthroughRoutes()) {
      routes.put(ResourceID.fromResource(r),
          outcome(TLSPassthroughRoute.KIND, r, problems, List.of()));
    }
    return new StatusBook(ingresses, routes);
  }

  private static Outcome outcome(String kind, HasMetadata o,
      Map<String, List<ResourceProblem>> problems, List<Address> addresses) {
    List<ResourceProblem> mine = problems.getOrDefault(
        kind + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(), List.of());
    boolean ours = mine.stream().noneMatch(p -> p.reason() == Reason.IngressClassMismatch);
    return new Outcome(o.getMetadata().getGeneration(), ours, mine, ours ? addresses : List.of());
  }

  /** What Ingresses show as their address: the publish address, or the publish Service's. */
  static List<Address> addresses(Optional<Service> publishService, String publishAddress) {
    if (publishAddress != null) {
      return List.of(IPV4.matcher(publishAddress).matches() || publishAddress.contains(":")
          ? new Address(publishAddress, null)
          : new Address(null, publishAddress));
    }
    List<Address> out = new ArrayList<>();
    publishService.ifPresent(svc -> {
      if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null
          && svc.getStatus().getLoadBalancer().getIngress() != null) {
        for (LoadBalancerIngress lb : svc.getStatus().getLoadBalancer().getIngress()) {
          if (lb.getIp() != null || lb.getHostname() != null) {
            out.add(new Address(lb.getIp(), lb.getHostname()));
          }
        }
      }
    });
    return out;
  }
}
