package dev.sluice.controller.translate;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lookups over one {@link ClusterState}, built once per translation so that resolving a backend is
 * a map read, not a scan. Keys are {@code namespace/name}. When two objects share a key (possible
 * in a manifest folder) the oldest wins, like every other conflict.
 */
final class ClusterIndex {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  static final String TLS_SECRET_TYPE = "kubernetes.io/tls";

  private final Map<String, Service> services = new HashMap<>();
  private final Map<String, Secret> tlsSecrets = new HashMap<>();
  /** Every Secret, for CA bundles (Opaque or kubernetes.io/tls) named by annotations. */
  private final Map<String, Secret> secrets = new HashMap<>();
  private final Map<String, Endpoints> endpoints = new HashMap<>();
  private final Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();

  ClusterIndex(ClusterState state) {
    putAll(services, state.services());
    putAll(
        tlsSecrets,
        state.secrets().stream().filter(s -> TLS_SECRET_TYPE.equals(s.getType())).toList());
    putAll(secrets, state.secrets());
    putAll(endpoints, state.endpoints());
    List<EndpointSlice> slices = new ArrayList<>(state.endpointSlices());
    slices.sort(Resources.OLDEST_FIRST);
    for (EndpointSlice s : slices) {
      String service = Resources.label(s, SERVICE_NAME_LABEL);
      if (service != null) {
        slicesByService
            .computeIfAbsent(Resources.namespace(s) + "/" + service, k -> new ArrayList<>())
            .add(s);
      }
    }
  }

  private static <T extends HasMetadata> void putAll(Map<String, T> map, List<T> objects) {
    List<T> sorted = new ArrayList<>(objects);
    sorted.sort(Resources.OLDEST_FIRST);
    for (T o : sorted) {
      if (Resources.hasName(o)) {
        map.putIfAbsent(Resources.key(o), o);
      }
    }
  }

  Service service(String namespace, String name) {
    return services.get(namespace + "/" + name);
  }

  /** Only Secrets of type kubernetes.io/tls, as the cluster controller caches only those. */
  Secret tlsSecret(String namespace, String name) {
    return tlsSecrets.get(namespace + "/" + name);
  }

  /** A Secret of any type (the caller checks the type it needs). */
  Secret secret(String namespace, String name) {
    return secrets.get(namespace + "/" + name);
  }

  Endpoints endpoints(String namespace, String name) {
    return endpoints.get(namespace + "/" + name);
  }

  List<EndpointSlice> slices(String namespace, String service) {
    return slicesByService.getOrDefault(namespace + "/" + service, List.of());
  }
}
