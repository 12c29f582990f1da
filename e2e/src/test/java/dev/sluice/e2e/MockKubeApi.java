package dev.sluice.e2e;

import dev.sluice.controller.cluster.MockApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The API server a cluster-mode Sluice process watches in these tests: fabric8's mock in CRUD
 * mode (real HTTP, real watches) in the test JVM, the repository's CRD ({@code crds/}) registered
 * as {@code kubectl apply -f crds/} would, and a kubeconfig file for {@code --kubeconfig}. No real
 * kube-apiserver can run here (see ENVIRONMENT.md); this is the stand-in the controller's own
 * cluster tests use, set up the same way (controller's MockApiServer). Test code writes resources
 * with {@link #client()}, as a user's {@code kubectl} would.
 */
final class MockKubeApi implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Path kubeconfig;

  private MockKubeApi(KubernetesMockServer server, KubernetesClient client, Path kubeconfig) {
    this.server = server;
    this.client = client;
    this.kubeconfig = kubeconfig;
  }

  static MockKubeApi start(Path workDir, String namespace) throws IOException {
    // set up as the controller's cluster tests do: CRUD mode, leader-election stub, our CRD
    KubernetesMockServer server = MockApiServer.start();
    KubernetesClient client = server.createClient();
    MockApiServer.registerCrd(client);
    Path kubeconfig = workDir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: e2e, user: {token: e2e-token}}]
        contexts: [{name: mock, context: {cluster: mock, user: e2e, namespace: %s}}]
        current-context: mock
        """
            .formatted(server.url("/").replaceAll("/$", ""), namespace));
    return new MockKubeApi(server, client, kubeconfig);
  }

  KubernetesClient client() {
    return client;
  }

  Path kubeconfig() {
    return kubeconfig;
  }

  /** Creates or replaces each resource, as {@code kubectl apply} does for a whole object. */
  void apply(HasMetadata... resources) {
    for (HasMetadata r : resources) {
      client.resource(r).createOr(existing -> existing.update());
    }
  }

  /** Creates or replaces the resources in a YAML text (several documents allowed). */
  void apply(String yaml) {
    client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .items()
        .forEach(this::apply);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
