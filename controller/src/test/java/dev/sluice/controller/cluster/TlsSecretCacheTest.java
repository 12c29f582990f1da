package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.ingressWithTls;
import static dev.sluice.controller.cluster.KubeObjects.tlsSecret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.TestCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS-Secret cache against the API server: every {@code kubernetes.io/tls} Secret is listed and
 * watched, but only those an Ingress names keep their keys in the heap; a Secret that becomes
 * referenced is fetched (one GET, or one list when many at once) and one that stops being named
 * loses its keys at the next rebuild.
 */
class TlsSecretCacheTest {
  private static final Certificate CERT = TestCa.create("cache").issueCertificate("x", "x.test");
  private static KubeEnv env;
  private static KubernetesClient client;

  @BeforeAll
  static void apiServer() throws IOException {
    env = KubeEnv.start();
    client = env.client();
  }

  @AfterAll
  static void stopApiServer() {
    env.close();
  }

  @Test
  void onlyReferencedTlsSecretsKeepTheirKeys() throws Exception {
    String ns = env.newNamespace();
    try (ClusterCache cache = new ClusterCache(client, Set.of(ns), () -> {})) {
      for (String name : List.of("used", "spare", "later")) {
        client.resource(tlsSecret(name, CERT)).inNamespace(ns).create();
      }
      client.resource(ingressWithTls("web", "x.test", "web", "used")).inNamespace(ns).create();
      cache.start(null);
      await().atMost(Duration.ofSeconds(5)).until(cache::synced);

      assertThat(names(cache.state().secrets())).containsExactly("used");
      assertThat(cache.holdsTlsKeys(ns + "/used")).isTrue();
      assertThat(cache.holdsTlsKeys(ns + "/spare")).isFalse();
      assertThat(cache.holdsTlsKeys(ns + "/later")).isFalse();

      // a second Ingress names "later": fetched at the next rebuild, keys and all
      client.resource(ingressWithTls("api", "y.test", "web", "later")).inNamespace(ns).create();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> names(cache.state().secrets()).equals(List.of("later", "used")));
      Secret later =
          cache.state().secrets().stream()
              .filter(s -> s.getMetadata().getName().equals("later"))
              .findFirst()
              .orElseThrow();
      assertThat(later.getData()).containsKeys("tls.crt", "tls.key");

      // "used" is no longer named: its keys go at the next rebuild
      client.network().v1().ingresses().inNamespace(ns).withName("web").delete();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> names(cache.state().secrets()).equals(List.of("later")));
      assertThat(cache.holdsTlsKeys(ns + "/used")).isFalse();
      assertThat(cache.holdsTlsKeys(ns + "/spare")).isFalse();
    } finally {
      env.deleteNamespace(ns);
    }
  }

  @Test
  void manySecretsReferencedAtOnceAreFetchedWithOneList() throws Exception {
    String ns = env.newNamespace();
    int n = TlsSecretStore.LIST_THRESHOLD + 4;
    try (ClusterCache cache = new ClusterCache(client, Set.of(ns), () -> {})) {
      cache.start(null);
      await().atMost(Duration.ofSeconds(5)).until(cache::synced);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        client.resource(tlsSecret("s" + i, CERT)).inNamespace(ns).create();
        expected.add("s" + i);
      }
      // the Secrets arrive (as stubs) before any Ingress names them
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> client.secrets().inNamespace(ns).list().getItems().size() == n);
      await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> true);
      for (int i = 0; i < n; i++) {
        Ingress ing = ingressWithTls("ing" + i, "h" + i + ".test", "web", "s" + i);
        client.resource(ing).inNamespace(ns).create();
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> cache.state().secrets().size() == n);
      assertThat(names(cache.state().secrets())).containsExactlyInAnyOrderElementsOf(expected);
      for (String name : expected) {
        assertThat(cache.holdsTlsKeys(ns + "/" + name)).as(name).isTrue();
      }
    } finally {
      env.deleteNamespace(ns);
    }
  }

  private static List<String> names(List<Secret> secrets) {
    return secrets.stream().map(s -> s.getMetadata().getName()).sorted().toList();
  }
}
