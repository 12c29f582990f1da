package dev.sluice.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

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
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.start();
    // JOSDK's leader election first asks whether it may use Leases; the CRUD mock cannot answer
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .withIncomplete(false)
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("*")
                .endResourceRule()
                .endStatus()
                .build())
        .always();
    KubernetesClient client = server.createClient();
    try (InputStream in =
        Files.newInputStream(SluiceProcess.repo().resolve("crds/tlspassthroughroutes.sluice.dev-v1.yml"))) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).create();
    }
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
