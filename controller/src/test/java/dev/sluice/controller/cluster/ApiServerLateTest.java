package dev.sluice.controller.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.SnapshotHolder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A controller started while its API server cannot be reached yet (a control-plane restart, a
 * pod scheduled before the API answers) is not ready, and becomes ready by itself once the API
 * server answers: its informers keep retrying the first list instead of giving up.
 */
class ApiServerLateTest {
  @Test
  void controllerStartedBeforeItsApiServerBecomesReadyWhenTheServerAppears() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // nothing listens here until the mock starts below
    }
    // as Sluice loads it from --kubeconfig
    Config config = Config.fromKubeconfig(
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: late, cluster: {server: "http://127.0.0.1:%d"}}]
        contexts: [{name: late, context: {cluster: late, namespace: default, user: u}}]
        current-context: late
        users: [{name: u, user: {token: t}}]
        """.formatted(port));
    // as the mock's own client config: its watches (WebSocket) do not follow an h2c upgrade
    config.setHttp2Disable(true);
    // each request gives up at once instead of after the client's ~16 s of retries: the API server
    // stays away longer than that budget, which is what made the informers stop for good
    config.setRequestRetryBackoffLimit(0);
    SnapshotHolder holder = new SnapshotHolder();
    KubernetesMockServer server = null;
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      ClusterSettings settings = ClusterSettings.builder().identity("late")
          .watchNamespaces(Set.of("default")).leaseNamespace("default").exitOnStopLeading(false)
          .build();
      // JOSDK's start blocks until its own informers list, so it runs beside the test, on a thread
      // of its own: fabric8 completes its requests on the common pool, which must not be blocked
      CompletableFuture<ClusterController> started = new CompletableFuture<>();
      Thread starter = new Thread(() -> {
        try {
          started.complete(ClusterController.start(client, settings, holder));
        } catch (RuntimeException e) {
          started.completeExceptionally(e);
        }
      }, "late-controller-start");
      starter.setDaemon(true);
      starter.start();
      Thread.sleep(1500); // several failed lists
      assertThat(holder.hasPublished()).isFalse();

      server = MockApiServer.start(port);
      ClusterController controller = started.get(30, TimeUnit.SECONDS);
      try {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
            .until(controller::ready);
        assertThat(holder.hasPublished()).isTrue();
      } finally {
        controller.close();
      }
    } finally {
      if (server != null) {
        server.destroy();
      }
    }
  }
}
