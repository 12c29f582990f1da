package dev.sluice.bench;

import dev.sluice.controller.cluster.ClusterController;
import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.dataplane.SnapshotHolder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * The benchmarks' API server: fabric8's {@link KubernetesMockServer} in CRUD mode with the
 * TLSPassthroughRoute CRD registered (as the cluster tests' {@code KubeEnv} does; that class is
 * package-private to the tests), plus a default IngressClass for Sluice so Ingresses without a
 * class are served. Not a real kube-apiserver: no admission, no etcd, no real latency.
 */
final class MockApi implements AutoCloseable {
  static final String NAMESPACE = "default";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private MockApi(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  static MockApi start() throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(
        new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.start();
    // Leader election asks whether it may use Leases; answer as a real API server would.
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
            .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
            .withVerbs("*").endResourceRule().endStatus().build())
        .always();
    KubernetesClient client = server.createClient();
    try (InputStream in = MockApi.class.getResourceAsStream(
        "/META-INF/fabric8/tlspassthroughroutes.sluice.dev-v1.yml")) {
      if (in == null) {
        throw new IOException("the CRD YAML is not on the classpath (build the controller module first)");
      }
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).create();
    }
    IngressClass cls = new IngressClassBuilder().withNewMetadata().withName("sluice")
        .addToAnnotations("ingressclass.kubernetes.io/is-default-class", "true").endMetadata()
        .withNewSpec().withController("sluice.dev/ingress-controller").endSpec().build();
    client.resource(cls).create();
    return new MockApi(server, client);
  }

  KubernetesClient client() {
    return client;
  }

  /** The cluster controller on namespace {@link #NAMESPACE}, publishing into {@code holder}. */
  ClusterController startController(SnapshotHolder holder) throws InterruptedException {
    ClusterController c = ClusterController.start(client, ClusterSettings.builder().identity("bench")
        .watchNamespaces(Set.of(NAMESPACE)).leaseNamespace(NAMESPACE).exitOnStopLeading(false)
        .publishAddress("10.9.9.9").build(), holder);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!c.ready()) {
      if (System.nanoTime() > deadline) {
        c.close();
        throw new IllegalStateException("the controller did not become ready within 60 s");
      }
      Thread.sleep(10);
    }
    return c;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
