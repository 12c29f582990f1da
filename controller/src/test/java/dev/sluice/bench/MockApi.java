package dev.sluice.bench;

import dev.sluice.controller.cluster.ClusterController;
import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.controller.cluster.MockApiServer;
import dev.sluice.dataplane.SnapshotHolder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.time.Duration;
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
    KubernetesMockServer server = MockApiServer.start();
    KubernetesClient client = server.createClient();
    MockApiServer.registerCrd(client);
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
