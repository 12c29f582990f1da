package dev.sluice.controller.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing the controller of a leading replica, with the production setting {@code
 * exitOnStopLeading}, gives the Lease up and returns. It used to call System.exit from inside
 * close() (JOSDK's own exit on stop-leading fires when the Lease is released too); in the packaged
 * program close() runs in the shutdown hook, where System.exit blocks for ever, so every SIGTERM in
 * cluster mode hung until SIGKILL (found by WebTerminalScenarioTest). Were it to regress, this
 * test's JVM would exit (surefire: "VM crash or System.exit called").
 */
class ClusterShutdownTest {
  @Test
  void closingTheLeaderReturnsWithoutExitingTheProcess() throws Exception {
    try (KubeEnv env = KubeEnv.start()) {
      KubernetesClient client = env.client();
      String ns = env.newNamespace();
      ClusterSettings settings =
          ClusterSettings.builder()
              .identity("leader-" + ns)
              .watchNamespaces(Set.of(ns))
              .leaseNamespace(ns)
              .exitOnStopLeading(true)
              .build();
      ClusterController controller = ClusterController.start(client, settings, snapshot -> {});
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> holder(client, ns, settings.leaseName()), ("leader-" + ns)::equals);

      CompletableFuture.runAsync(controller::close).get(20, TimeUnit.SECONDS);

      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(t -> t.getName().equals("sluice-lost-lease"));
      env.deleteNamespace(ns);
    }
  }

  private static String holder(KubernetesClient client, String ns, String name) {
    Lease lease = client.leases().inNamespace(ns).withName(name).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }
}
