package dev.sluice.controller.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsSecretStore}'s decisions, driven as the informer thread and the rebuild thread drive
 * it (the API side is a list of Secrets in memory; the store against the API server is {@code
 * TlsSecretCacheTest}).
 */
class TlsSecretStoreTest {
  private final List<String> fetched = new ArrayList<>();
  private final Map<String, Secret> server = new java.util.concurrent.ConcurrentHashMap<>();

  private final TlsSecretStore store =
      new TlsSecretStore(
          new TlsSecretStore.Fetcher() {
            @Override
            public Secret get(String namespace, String name) {
              fetched.add(namespace + "/" + name);
              return server.get(namespace + "/" + name);
            }

            @Override
            public List<Secret> list() {
              fetched.add("*");
              return List.copyOf(server.values());
            }
          },
          () -> {});

  private Secret secret(String name, String version) {
    Secret s =
        new SecretBuilder()
            .withNewMetadata()
            .withNamespace("ns")
            .withName(name)
            .withResourceVersion(version)
            .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{key}")
            .endMetadata()
            .withType("kubernetes.io/tls")
            .addToData("tls.key", "c2VjcmV0")
            .build();
    server.put("ns/" + name, s);
    return s;
  }

  @Test
  void unreferencedSecretsAreStubsWithoutDataOrAnnotations() {
    store.put("ns/a", secret("a", "1"));
    Secret cached = store.get("ns/a");
    assertThat(cached.getData()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("1");
    assertThat(store.full()).isEmpty();
  }

  @Test
  void referencingFetchesTheStubOnceAndLaterPutsKeepTheKeys() {
    store.put("ns/a", secret("a", "1"));
    store.reference(Set.of("ns/a"));
    assertThat(fetched).containsExactly("ns/a");
    assertThat(store.holdsData("ns/a")).isTrue();
    store.reference(Set.of("ns/a")); // nothing more to fetch
    assertThat(fetched).containsExactly("ns/a");
    store.put("ns/a", secret("a", "2"));
    assertThat(store.full()).singleElement().satisfies(s -> assertThat(s.getData()).isNotEmpty());

    store.reference(Set.of()); // no longer named: the keys go now
    assertThat(store.holdsData("ns/a")).isFalse();
    assertThat(store.get("ns/a").getData()).isNullOrEmpty();
  }

  @Test
  void aPutRacingAReferenceChangeNeverLeavesAReferencedSecretAsAStub() throws Exception {
    for (int round = 0; round < 200; round++) {
      TlsSecretStore s =
          new TlsSecretStore(
              new TlsSecretStore.Fetcher() {
                @Override
                public Secret get(String namespace, String name) {
                  return server.get(namespace + "/" + name);
                }

                @Override
                public List<Secret> list() {
                  return List.copyOf(server.values());
                }
              },
              () -> {});
      Secret v = secret("r", Integer.toString(round));
      CountDownLatch go = new CountDownLatch(1);
      Thread informer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    s.put("ns/r", v);
                  });
      go.countDown();
      s.reference(Set.of("ns/r"));
      informer.join(TimeUnit.SECONDS.toMillis(5));
      s.reference(Set.of("ns/r")); // the next rebuild
      assertThat(s.holdsData("ns/r")).as("round %d", round).isTrue();
    }
  }
}
