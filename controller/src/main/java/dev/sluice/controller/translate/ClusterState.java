package dev.sluice.controller.translate;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Everything the translator reads, as one immutable value: the objects of the kinds Sluice watches,
 * from informer caches (cluster) or a folder of manifests (standalone). The lists are copied; the
 * fabric8 objects inside are shared and must not be mutated by anyone once handed over.
 */
public record ClusterState(
    List<Ingress> ingresses,
    List<IngressClass> ingressClasses,
    List<Service> services,
    List<EndpointSlice> endpointSlices,
    List<Endpoints> endpoints,
    List<Secret> secrets,
    List<TLSPassthroughRoute> passthroughRoutes) {

  public ClusterState {
    ingresses = List.copyOf(ingresses);
    ingressClasses = List.copyOf(ingressClasses);
    services = List.copyOf(services);
    endpointSlices = List.copyOf(endpointSlices);
    endpoints = List.copyOf(endpoints);
    secrets = List.copyOf(secrets);
    passthroughRoutes = List.copyOf(passthroughRoutes);
  }

  public static ClusterState empty() {
    return of(List.of());
  }

  /** Sorts mixed objects by kind; kinds Sluice does not use (Deployments, ConfigMaps...) are dropped. */
  public static ClusterState of(Collection<? extends HasMetadata> objects) {
    List<Ingress> ingresses = new ArrayList<>();
    List<IngressClass> classes = new ArrayList<>();
    List<Service> services = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    List<Endpoints> endpoints = new ArrayList<>();
    List<Secret> secrets = new ArrayList<>();
    List<TLSPassthroughRoute> routes = new ArrayList<>();
    for (HasMetadata o : objects) {
      switch (o) {
        case Ingress i -> ingresses.add(i);
        case IngressClass c -> classes.add(c);
        case Service s -> services.add(s);
        case EndpointSlice s -> slices.add(s);
        case Endpoints e -> endpoints.add(e);
        case Secret s -> secrets.add(s);
        case TLSPassthroughRoute r -> routes.add(r);
        default -> {}
      }
    }
    return new ClusterState(ingresses, classes, services, slices, endpoints, secrets, routes);
  }
}
