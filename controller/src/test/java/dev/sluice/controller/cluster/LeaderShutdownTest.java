package dev.sluice.controller.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.SnapshotHolder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader closing (SIGTERM: Main's shutdown hook closes the controller) gives its Lease up
 * without exiting the process from inside that close. With production settings
 * ({@code exitOnStopLeading}) JOSDK used to call System.exit there; inside a shutdown hook that
 * blocks forever, so a leader pod never stopped before its SIGKILL. (Should this regress, the exit
 * ends the test JVM, which fails the build just as loudly.)
 */
class LeaderShutdownTest {
  @Test
  void leaderWithProductionSettingsClosesWithoutExiting() throws Exception {
    KubernetesMockServer server = MockApiServer.start();
    try (KubernetesClient client = server.createClient()) {
      ClusterSettings settings = ClusterSettings.builder().identity("leader")
          .watchNamespaces(Set.of("default")).leaseNamespace("default").leaseName("shutdown")
          .build();
      assertThat(settings.exitOnStopLeading()).isTrue(); // the production default
      ClusterController controller = ClusterController.start(client, settings, new SnapshotHolder());
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        Lease l = client.leases().inNamespace("default").withName("shutdown").get();
        return l != null && "leader".equals(l.getSpec().getHolderIdentity());
      });
      assertTimeoutPreemptively(Duration.ofSeconds(10), controller::close);
    } finally {
      server.destroy();
    }
  }
}
