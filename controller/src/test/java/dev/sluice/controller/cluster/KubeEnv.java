package dev.sluice.controller.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The API server the cluster tests run against: fabric8's {@link KubernetesMockServer} in CRUD mode
 * (real client, real watches, the TLSPassthroughRoute CRD registered so status is a subresource),
 * or a real cluster when {@code SLUICE_E2E_KUBECONFIG} names a kubeconfig. Each test gets its own
 * namespace either way, deleted afterwards on a real cluster.
 *
 * <p>Against a real cluster the CRD must be installed ({@code kubectl apply -f crds/}) and the data
 * plane's backends must be reachable at an address the API server accepts in an EndpointSlice
 * (loopback is rejected): set {@code SLUICE_E2E_BACKEND_ADDRESS} to this machine's IP.
 */
final class KubeEnv implements AutoCloseable {
  static final String E2E_KUBECONFIG = "SLUICE_E2E_KUBECONFIG";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private KubeEnv(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  static boolean realCluster() {
    String k = System.getenv(E2E_KUBECONFIG);
    return k != null && !k.isBlank();
  }

  /** Where test backends listen and what their EndpointSlices say. */
  static String backendAddress() {
    String a = System.getenv("SLUICE_E2E_BACKEND_ADDRESS");
    return a == null || a.isBlank() ? "127.0.0.1" : a;
  }

  static KubeEnv start() throws IOException {
    if (realCluster()) {
      Config config = Config.fromKubeconfig(Files.readString(Path.of(System.getenv(E2E_KUBECONFIG))));
      return new KubeEnv(null, new KubernetesClientBuilder().withConfig(config).build());
    }
    KubernetesMockServer server = MockApiServer.start();
    KubernetesClient client = server.createClient();
    MockApiServer.registerCrd(client);
    return new KubeEnv(server, client);
  }

  KubernetesClient client() {
    return client;
  }

  /** A fresh namespace for one test. */
  String newNamespace() {
    String ns = "sluice-t-" + UUID.randomUUID().toString().substring(0, 8);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return ns;
  }

  void deleteNamespace(String ns) {
    if (realCluster()) {
      client.namespaces().withName(ns).delete();
    }
  }

  @Override
  public void close() {
    client.close();
    if (server != null) {
      server.destroy();
    }
  }
}
