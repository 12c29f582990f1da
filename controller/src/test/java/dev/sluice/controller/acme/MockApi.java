package dev.sluice.controller.acme;

import dev.sluice.controller.cluster.MockApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** fabric8's API server double in CRUD mode (real HTTP, real client) for the ACME store tests. */
final class MockApi implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  MockApi() {
    server = MockApiServer.start();
    client = server.createClient();
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
