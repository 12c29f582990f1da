package dev.sluice.bench;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;

/** Small objects the cluster-mode benchmarks write through the client (no namespace set). */
final class ClusterObjects {
  private ClusterObjects() {}

  static Service service(String name) {
    return new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http"))
        .endPort().endSpec().build();
  }

  /** Endpoints 127.0.0.1 and 127.0.0.2 on {@code port}, each ready or not. */
  static EndpointSlice slice(String svc, int port, boolean firstReady, boolean secondReady) {
    return new EndpointSliceBuilder().withNewMetadata().withName(svc)
        .addToLabels("kubernetes.io/service-name", svc).endMetadata()
        .withAddressType("IPv4").addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort()
        .addToEndpoints(new EndpointBuilder().withAddresses("127.0.0.1").withNewConditions()
            .withReady(firstReady).withServing(firstReady).endConditions().build())
        .addToEndpoints(new EndpointBuilder().withAddresses("127.0.0.2").withNewConditions()
            .withReady(secondReady).withServing(secondReady).endConditions().build())
        .build();
  }

  /** Host {@code host}, path {@code /} to port "http" of {@code svc}; no class (default IngressClass). */
  static Ingress ingress(String name, String host, String svc) {
    return new IngressBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .addNewRule().withHost(host).withNewHttp()
        .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService()
        .withName(svc).withNewPort().withName("http").endPort().endService().endBackend().endPath()
        .endHttp().endRule().endSpec().build();
  }
}
