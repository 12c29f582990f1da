package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.ingressClass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.acme.AcmeManager;
import dev.sluice.controller.acme.AcmeSettings;
import dev.sluice.controller.acme.ChallengeSecret;
import dev.sluice.controller.acme.ChallengeType;
import dev.sluice.controller.acme.SecretCertificateStore;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode with ACME and two replicas, each with its own real data plane: the pending
 * challenges the leader publishes in the {@link ChallengeSecret} are served by the follower too, so
 * the CA's validation request succeeds whichever replica the load balancer picks.
 */
class AcmeReplicasTest {
  private static KubeEnv env;
  private static KubernetesClient client;

  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private String ns;

  @BeforeAll
  static void apiServer() throws IOException {
    env = KubeEnv.start();
    client = env.client();
  }

  @AfterAll
  static void stopApiServer() {
    env.close();
  }

  @BeforeEach
  void setUp() {
    ns = env.newNamespace();
    client.resource(ingressClass()).createOr(op -> op.update());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
    env.deleteNamespace(ns);
  }

  /** One replica: its data plane, ACME manager and controller. */
  private record Replica(SluiceServer server, SnapshotHolder holder, ClusterController controller) {
    RawHttp.Response get(String path) throws IOException {
      return RawHttp.get(server.httpPort(), "any.test", path);
    }
  }

  private Replica replica(String identity) throws Exception {
    SnapshotHolder holder = new SnapshotHolder();
    SluiceServer server = SluiceServer.start(
        ServerSettings.builder().bindAddress("127.0.0.1").httpPort(0).httpsPort(0).adminPort(0).build(),
        holder, new SimpleMeterRegistry());
    closeLater.add(server);
    // No Ingress asks for a certificate, so the directory is never contacted.
    AcmeManager acme = new AcmeManager(
        AcmeSettings.builder().directory(URI.create("https://acme.invalid/directory")).build(),
        new SecretCertificateStore(client, ns), false, ChallengeType.HTTP_01, new SimpleMeterRegistry(),
        () -> holder.current().snapshot().acmeChallenges());
    closeLater.add(acme);
    Duration lease = Duration.ofSeconds(2);
    ClusterController c = ClusterController.start(client, ClusterSettings.builder().identity(identity)
        .watchNamespaces(Set.of(ns)).leaseNamespace(ns).leaseName("lead-" + ns)
        .leaseTimings(lease, Duration.ofMillis(1500), Duration.ofMillis(200))
        .exitOnStopLeading(false).build(), holder, acme);
    closeLater.add(c);
    await2s().until(c::ready);
    return new Replica(server, holder, c);
  }

  @Test
  void followerServesTheChallengesTheLeaderPublishesAndForgetsThemWhenRemoved() throws Exception {
    // A previous leader died mid-order and left a challenge behind.
    client.resource(new SecretBuilder().withNewMetadata().withNamespace(ns)
        .withName(ChallengeSecret.NAME).endMetadata().withType("Opaque")
        .withData(Map.of("http-01.stale", b64("stale.auth"))).build()).create();

    Replica a = replica("a");
    await2s().until(() -> holder("lead-" + ns), "a"::equals);
    // Becoming leader, a publishes its own (empty) set: the leftover is gone from the Secret.
    await2s().until(() -> challengeData().isEmpty());
    Replica b = replica("b");
    assertThat(holder("lead-" + ns)).isEqualTo("a");
    await1s().until(() -> b.get("/.well-known/acme-challenge/stale").status() == 404);

    String token = "tok_EN-123abcXYZ";
    String keyAuth = token + ".thumbprint_abc";
    Certificate alpnCert = TestCa.create("alpn").issueCertificate("acme-tls-alpn-01/alpn.test", "alpn.test");
    // What the leader's ACME thread does before triggering validation.
    ChallengeSecret secret = new ChallengeSecret(client, ns, AcmeChallenges::empty);
    secret.publish(new AcmeChallenges(Map.of(token, keyAuth), Map.of("alpn.test", alpnCert)));

    for (Replica r : List.of(b, a)) {
      await1s().until(() -> r.get("/.well-known/acme-challenge/" + token).status() == 200);
      RawHttp.Response answer = r.get("/.well-known/acme-challenge/" + token);
      assertThat(answer.bodyText()).isEqualTo(keyAuth);
      Certificate served = r.holder().current().snapshot().acmeChallenges().tlsAlpn01().get("alpn.test");
      assertThat(served).isNotNull();
      assertThat(served.certificateChainPem()).isEqualTo(alpnCert.certificateChainPem());
      assertThat(served.privateKeyPem()).isEqualTo(alpnCert.privateKeyPem());
    }

    // Decided: the leader removes them, and the follower stops answering.
    secret.publish(AcmeChallenges.empty());
    await1s().until(() -> b.get("/.well-known/acme-challenge/" + token).status() == 404);
    assertThat(b.holder().current().snapshot().acmeChallenges().isEmpty()).isTrue();
    await1s().until(() -> a.get("/.well-known/acme-challenge/" + token).status() == 404);
  }

  private Map<String, String> challengeData() {
    Secret s = client.secrets().inNamespace(ns).withName(ChallengeSecret.NAME).get();
    return s == null || s.getData() == null ? Map.of() : s.getData();
  }

  private String holder(String lease) {
    var l = client.leases().inNamespace(ns).withName(lease).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static ConditionFactory await1s() {
    // "within 1 s" plus scheduling slack on a shared 2-core machine
    return await().atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(20));
  }

  private static ConditionFactory await2s() {
    return await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20));
  }
}
