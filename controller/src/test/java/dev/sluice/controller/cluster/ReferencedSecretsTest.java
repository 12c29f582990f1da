package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.caSecret;
import static dev.sluice.controller.cluster.KubeObjects.ingress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferencedSecrets} against the API server: only the Secrets Ingresses name as CA bundles
 * are fetched and watched, never the others of the namespace, and watches end with the reference.
 */
class ReferencedSecretsTest {
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
  void htpasswdSecretsOfAuthSecretAreReferencedUnderEitherPrefix() {
    Ingress own = ingressIn("a", "basic");
    own.getMetadata().setAnnotations(Map.of("sluice.dev/auth-secret", "users"));
    Ingress nginx = ingressIn("a", "nginx");
    nginx.getMetadata().setAnnotations(
        Map.of("nginx.ingress.kubernetes.io/auth-secret", "a/nginx-users",
            ReferencedSecrets.ANNOTATION, "ca"));
    Ingress foreign = ingressIn("a", "foreign");
    foreign.getMetadata().setAnnotations(Map.of("sluice.dev/auth-secret", "b/users"));
    assertThat(ReferencedSecrets.references(List.of(own, nginx, foreign)))
        .containsExactly("a/ca", "a/nginx-users", "a/users");
  }

  @Test
  void referencesStayInTheIngresssNamespace() {
    assertThat(ReferencedSecrets.references(List.of(
        annotated("a", "one", "ca"),
        annotated("a", "two", "a/ca2"),
        annotated("a", "three", "b/stolen"),
        annotated("a", "four", " "),
        annotated("a", "five", "a/b/c"),
        ingressIn("a", "plain"))))
        .containsExactly("a/ca", "a/ca2");
  }

  @Test
  void jwtKeySecretsAreReferencesToo() {
    Ingress both = ingressIn("a", "both");
    both.getMetadata().setAnnotations(
        Map.of(ReferencedSecrets.ANNOTATION, "ca", "sluice.dev/jwt-secret", "jwt-keys"));
    Ingress foreign = ingressIn("a", "foreign");
    foreign.getMetadata().setAnnotations(Map.of("sluice.dev/jwt-secret", "b/keys"));
    assertThat(ReferencedSecrets.references(List.of(both, foreign)))
        .containsExactly("a/ca", "a/jwt-keys");
  }

  @Test
  void watchesExactlyTheReferencedSecretsAndStopsWithTheReference() throws Exception {
    String ns = env.newNamespace();
    try {
      create(ns, caSecret("ca", "first"), caSecret("unrelated", "never read"));
      AtomicInteger changes = new AtomicInteger();
      try (ReferencedSecrets secrets =
          new ReferencedSecrets(client, changes::incrementAndGet, Duration.ofSeconds(2))) {
        secrets.sync(List.of(annotated(ns, "web", "ca"), annotated(ns, "api", ns + "/ca")));
        // the first list is awaited: the Secret is there for the translation that asked for it
        assertThat(secrets.watchedCount()).isEqualTo(1);
        assertThat(names(secrets.secrets())).containsExactly("ca");

        int before = changes.get();
        create(ns, caSecret("ca", "rotated"));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
            .until(() -> changes.get() > before && secrets.secrets().stream()
                .anyMatch(s -> s.getData().get("ca.crt").equals(caSecret("x", "rotated").getData().get("ca.crt"))));

        secrets.sync(List.of(ingressIn(ns, "web")));
        assertThat(secrets.watchedCount()).isZero();
        assertThat(secrets.secrets()).isEmpty();
      }
    } finally {
      env.deleteNamespace(ns);
    }
  }

  @Test
  void aSecretCreatedAfterTheReferenceArrivesThroughTheWatch() throws Exception {
    String ns = env.newNamespace();
    try {
      AtomicInteger changes = new AtomicInteger();
      try (ReferencedSecrets secrets =
          new ReferencedSecrets(client, changes::incrementAndGet, Duration.ofSeconds(2))) {
        secrets.sync(List.of(annotated(ns, "web", "later")));
        assertThat(secrets.secrets()).isEmpty();
        create(ns, caSecret("later", "pem"));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
            .until(() -> changes.get() > 0 && names(secrets.secrets()).equals(List.of("later")));
      }
    } finally {
      env.deleteNamespace(ns);
    }
  }

  private static void create(String ns, Secret... secrets) {
    for (Secret s : secrets) {
      s.getMetadata().setNamespace(ns);
      client.resource(s).createOr(op -> op.update());
    }
  }

  private static List<String> names(List<Secret> secrets) {
    return secrets.stream().map(s -> s.getMetadata().getName()).toList();
  }

  private static Ingress ingressIn(String ns, String name) {
    Ingress i = ingress(name, name + ".test", "/", "web");
    i.getMetadata().setNamespace(ns);
    return i;
  }

  private static Ingress annotated(String ns, String name, String secretRef) {
    Ingress i = ingressIn(ns, name);
    i.getMetadata().setAnnotations(Map.of(ReferencedSecrets.ANNOTATION, secretRef));
    return i;
  }
}
