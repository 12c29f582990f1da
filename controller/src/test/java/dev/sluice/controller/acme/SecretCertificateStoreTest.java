package dev.sluice.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.TestCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SecretCertificateStore} against fabric8's mock API server. */
class SecretCertificateStoreTest {
  private static MockApi api;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = new MockApi();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void certificateIsWrittenAsAnAnnotatedTlsSecretAndReadBack() throws Exception {
    SecretCertificateStore store = new SecretCertificateStore(client, "sluice-system");
    assertThat(store.read("apps", "web-tls")).isEmpty();
    Certificate cert = TestCa.create("store-ca").issueCertificate("web", "web.test", "www.web.test");
    Instant notAfter = Instant.parse("2030-01-02T03:04:05Z");
    StoredCertificate c = new StoredCertificate(cert.certificateChainPem(), cert.privateKeyPem(),
        "https://acme.test/directory", notAfter, List.of("web.test", "www.web.test"));
    store.write("apps", "web-tls", c);

    Secret s = client.secrets().inNamespace("apps").withName("web-tls").get();
    assertThat(s.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry(SecretCertificateStore.ISSUER, "https://acme.test/directory")
        .containsEntry(SecretCertificateStore.NOT_AFTER, "2030-01-02T03:04:05Z")
        .containsEntry(SecretCertificateStore.NAMES, "web.test,www.web.test");
    assertThat(decode(s.getData().get("tls.crt"))).isEqualTo(cert.certificateChainPem());
    assertThat(decode(s.getData().get("tls.key"))).isEqualTo(cert.privateKeyPem());

    StoredCertificate back = store.read("apps", "web-tls").orElseThrow();
    assertThat(back.chainPem()).isEqualTo(c.chainPem());
    assertThat(back.keyPem()).isEqualTo(c.keyPem());
    assertThat(back.issuer()).isEqualTo(c.issuer());
    assertThat(back.notAfter()).isEqualTo(notAfter);
    assertThat(back.names()).containsExactly("web.test", "www.web.test");
  }

  @Test
  void renewalUpdatesAnExistingSecretKeepingItsOwnAnnotations() throws Exception {
    client.resource(new SecretBuilder().withNewMetadata().withNamespace("apps").withName("old-tls")
        .addToAnnotations("team", "payments").endMetadata().withType("kubernetes.io/tls")
        .withData(Map.of("tls.crt", "", "tls.key", "")).build()).create();
    SecretCertificateStore store = new SecretCertificateStore(client, "sluice-system");
    Certificate cert = TestCa.create("renew-ca").issueCertificate("old", "old.test");
    store.write("apps", "old-tls", new StoredCertificate(cert.certificateChainPem(),
        cert.privateKeyPem(), "https://acme.test/directory", Instant.parse("2031-01-01T00:00:00Z"),
        List.of("old.test")));

    Secret s = client.secrets().inNamespace("apps").withName("old-tls").get();
    assertThat(s.getMetadata().getAnnotations()).containsEntry("team", "payments")
        .containsEntry(SecretCertificateStore.NAMES, "old.test")
        .containsKeys(SecretCertificateStore.ISSUER, SecretCertificateStore.NOT_AFTER);
    assertThat(store.read("apps", "old-tls").orElseThrow().chainPem())
        .isEqualTo(cert.certificateChainPem());
  }

  @Test
  void accountKeyLivesInAnOpaqueSecretPerDirectory() throws Exception {
    SecretCertificateStore store = new SecretCertificateStore(client, "sluice-system");
    String directory = "https://acme.test/directory";
    assertThat(store.readAccountKey(directory)).isEmpty();
    String pem = "-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----\n";
    store.writeAccountKey(directory, pem);
    store.writeAccountKey(directory, pem + "\n"); // written again: replaced, not a conflict

    Secret s = client.secrets().inNamespace("sluice-system")
        .withName(SecretCertificateStore.accountSecretName(directory)).get();
    assertThat(s.getType()).isEqualTo("Opaque");
    assertThat(s.getMetadata().getAnnotations()).containsEntry(SecretCertificateStore.ISSUER, directory);
    assertThat(store.readAccountKey(directory)).contains(pem + "\n");
    assertThat(store.readAccountKey("https://other.test/directory")).isEmpty();
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }
}
