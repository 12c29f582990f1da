package dev.sluice.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.TestCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ChallengeSecret}: the encoding, and publishing against fabric8's mock API server. */
class ChallengeSecretTest {
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
  void challengesRoundTripThroughTheSecretData() {
    Certificate cert = TestCa.create("alpn").issueCertificate("acme-tls-alpn-01/a.test", "a.test");
    AcmeChallenges c = new AcmeChallenges(Map.of("abc_DEF-123", "abc_DEF-123.thumb"),
        Map.of("a.test", cert));
    Map<String, String> data = ChallengeSecret.encode(c);
    assertThat(data).containsOnlyKeys("http-01.abc_DEF-123", "tls-alpn-01.a.test.crt",
        "tls-alpn-01.a.test.key");
    assertThat(data.keySet()).allMatch(k -> k.matches("[-._a-zA-Z0-9]+"));
    Secret s = new SecretBuilder().withNewMetadata().withName(ChallengeSecret.NAME).endMetadata()
        .withData(data).build();
    assertThat(ChallengeSecret.decode(s)).isEqualTo(c);
  }

  @Test
  void malformedEntriesAreSkippedNotFatal() {
    Secret s = new SecretBuilder().withNewMetadata().withName(ChallengeSecret.NAME).endMetadata()
        .withData(Map.of("http-01.ok", "b2suYXV0aA==", "http-01.bad", "%%% not base64",
            "tls-alpn-01.lonely.test.crt", "Y2VydA==", "unrelated", "eA=="))
        .build();
    AcmeChallenges c = ChallengeSecret.decode(s);
    assertThat(c.http01()).containsExactly(Map.entry("ok", "ok.auth"));
    assertThat(c.tlsAlpn01()).isEmpty(); // a certificate without its key is not served
    assertThat(ChallengeSecret.decode(null).isEmpty()).isTrue();
    // a token that cannot be a Secret key is not published
    assertThat(ChallengeSecret.encode(new AcmeChallenges(Map.of("a/b", "x"), Map.of()))).isEmpty();
  }

  @Test
  void publishingWritesTheSetAndEmptiesItWithoutCreatingASecretNobodyNeeds() {
    ChallengeSecret secret = new ChallengeSecret(client, "pub", AcmeChallenges::empty);
    secret.publish(AcmeChallenges.empty());
    assertThat(get()).isNull(); // without ACME in use, nothing is ever written

    secret.publish(new AcmeChallenges(Map.of("t1", "t1.k"), Map.of()));
    assertThat(ChallengeSecret.decode(get()).http01()).containsExactly(Map.entry("t1", "t1.k"));
    assertThat(get().getType()).isEqualTo("Opaque");
    secret.publish(new AcmeChallenges(Map.of("t1", "t1.k", "t2", "t2.k"), Map.of()));
    assertThat(ChallengeSecret.decode(get()).http01()).containsOnlyKeys("t1", "t2");

    secret.publish(AcmeChallenges.empty());
    assertThat(ChallengeSecret.decode(get()).isEmpty()).isTrue();

    // a new leader whose cache shows a predecessor's leftovers clears them
    secret.publish(new AcmeChallenges(Map.of("old", "old.k"), Map.of()));
    ChallengeSecret successor = new ChallengeSecret(client, "pub", () -> ChallengeSecret.decode(get()));
    successor.publish(AcmeChallenges.empty());
    assertThat(ChallengeSecret.decode(get()).isEmpty()).isTrue();
  }

  @Test
  void boardPublishesEveryChangeBeforeAskingForASnapshot() {
    ChallengeBoard board = new ChallengeBoard();
    List<String> seen = new ArrayList<>();
    board.publisher(c -> seen.add("publish " + c.http01().keySet()));
    board.onChange(() -> seen.add("change"));
    board.putHttp01("t", "t.k");
    board.removeHttp01("t");
    board.republish();
    assertThat(seen).containsExactly("publish [t]", "change", "publish []", "change", "publish []");
  }

  private static Secret get() {
    return client.secrets().inNamespace("pub").withName(ChallengeSecret.NAME).get();
  }
}
