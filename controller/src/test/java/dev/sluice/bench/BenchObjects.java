package dev.sluice.bench;

import dev.sluice.controller.translate.ClusterState;
import dev.sluice.controller.translate.TranslatorSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A synthetic cluster built with fabric8 builders, the shape of a busy multi-tenant one: per
 * Ingress one Service (port "http") and one EndpointSlice with {@value #ENDPOINTS} ready
 * endpoints; every Ingress has one host {@code app-N.bench.test} with two paths ({@code /} and
 * {@code /api}) and a TLS entry naming Secret {@code tls-(N mod secrets)}.
 */
final class BenchObjects {
  static final String NS = "bench";
  static final int ENDPOINTS = 3;

  private BenchObjects() {}

  /**
   * @param distinctCerts how many different certificates the Secrets hold (round robin): equal to
   *     {@code secrets} for "every Secret its own certificate", small for "a few shared ones"
   */
  static ClusterState state(int ingresses, int secrets, int distinctCerts, BenchCerts certs) {
    List<HasMetadata> all = new ArrayList<>();
    all.add(new IngressClassBuilder().withNewMetadata().withName("sluice").endMetadata()
        .withNewSpec().withController(TranslatorSettings.CONTROLLER_NAME).endSpec().build());
    List<BenchCerts.Pem> pems = new ArrayList<>();
    for (int c = 0; c < distinctCerts; c++) {
      pems.add(certs.certificate(c, List.of("*.bench.test")));
    }
    for (int s = 0; s < secrets; s++) {
      all.add(secret("tls-" + s, pems.get(s % distinctCerts)));
    }
    for (int i = 0; i < ingresses; i++) {
      all.add(service("svc-" + i));
      all.add(slice("svc-" + i, i, 0));
      all.add(ingress(i, "tls-" + (i % secrets)));
    }
    return ClusterState.of(all);
  }

  /** {@code state} with the EndpointSlice of Service svc-{@code i} replaced by generation {@code gen}. */
  static ClusterState withSlice(ClusterState state, int i, int gen) {
    String name = "svc-" + i;
    List<EndpointSlice> slices = new ArrayList<>(state.endpointSlices());
    slices.replaceAll(s -> s.getMetadata().getName().equals(name) ? slice(name, i, gen) : s);
    return new ClusterState(state.ingresses(), state.ingressClasses(), state.services(), slices,
        state.endpoints(), state.secrets(), state.passthroughRoutes());
  }

  static Service service(String name) {
    return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http"))
        .endPort().endSpec().build();
  }

  /** Generation {@code gen} moves the endpoints by one address, so each is an endpoint change. */
  static EndpointSlice slice(String svc, int i, int gen) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(svc + "-abcde")
        .withNamespace(NS).addToLabels("kubernetes.io/service-name", svc).endMetadata()
        .withAddressType("IPv4").addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort();
    for (int e = 0; e < ENDPOINTS; e++) {
      int host = (i * ENDPOINTS + e + gen) % 65_000;
      b.addToEndpoints(new EndpointBuilder().withAddresses("10." + (host >> 8 & 255) + "." + (host & 255) + "." + (e + 1))
          .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions().build());
    }
    return b.build();
  }

  static Secret secret(String name, BenchCerts.Pem pem) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", b64.encodeToString(pem.chain().getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", b64.encodeToString(pem.key().getBytes(StandardCharsets.US_ASCII)))
        .build();
  }

  static Ingress ingress(int i, String secret) {
    String host = "app-" + i + ".bench.test";
    return new IngressBuilder().withNewMetadata().withName("app-" + i).withNamespace(NS).endMetadata()
        .withNewSpec().withIngressClassName("sluice")
        .addNewTl().withHosts(host).withSecretName(secret).endTl()
        .addNewRule().withHost(host).withNewHttp()
        .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService()
        .withName("svc-" + i).withNewPort().withName("http").endPort().endService().endBackend().endPath()
        .addNewPath().withPath("/api").withPathType("Prefix").withNewBackend().withNewService()
        .withName("svc-" + i).withNewPort().withName("http").endPort().endService().endBackend().endPath()
        .endHttp().endRule().endSpec().build();
  }
}
