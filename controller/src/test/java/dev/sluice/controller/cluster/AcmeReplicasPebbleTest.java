package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.ingressClass;
import static dev.sluice.controller.cluster.KubeObjects.ingressWithTls;
import static dev.sluice.controller.cluster.KubeObjects.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.acme.AcmeManager;
import dev.sluice.controller.acme.AcmeSettings;
import dev.sluice.controller.acme.ChallengeSecret;
import dev.sluice.controller.acme.ChallengeType;
import dev.sluice.controller.acme.Pebble;
import dev.sluice.controller.acme.SecretCertificateStore;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full issuance with two replicas against the real ACME test server: the leader orders, but the
 * CA validates the HTTP-01 challenge against the FOLLOWER's data plane (Pebble's validation port is
 * where the follower listens), as happens behind a load balancer that picks any replica. The
 * issued certificate lands in the Secret and both replicas serve it.
 */
class AcmeReplicasPebbleTest {
  private static final String HOST = "replicas.sluice.test";

  @TempDir Path tmp;
  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private KubeEnv env;
  private KubernetesClient client;
  private Pebble pebble;
  private String ns;

  @BeforeEach
  void setUp() throws Exception {
    Assumptions.assumeTrue(Pebble.installed(), "pebble is not installed (apt-get install pebble)");
    env = KubeEnv.start();
    client = env.client();
    ns = env.newNamespace();
    client.resource(ingressClass()).createOr(op -> op.update());
    pebble = new Pebble(tmp);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
    if (pebble != null) {
      pebble.close();
    }
    if (env != null) {
      env.close();
    }
  }

  private record Replica(SluiceServer server, ClusterController controller) {}

  private Replica replica(String identity, int httpPort, int httpsPort) throws Exception {
    SnapshotHolder holder = new SnapshotHolder();
    SluiceServer server =
        SluiceServer.start(
            ServerSettings.builder()
                .bindAddress("127.0.0.1")
                .httpPort(httpPort)
                .httpsPort(httpsPort)
                .adminPort(0)
                .build(),
            holder,
            new SimpleMeterRegistry());
    closeLater.add(server);
    AcmeSettings settings =
        AcmeSettings.builder()
            .directory(pebble.directory())
            .trust(pebble.trust())
            .email("ops@sluice.test")
            .stateDir(tmp.resolve("state-" + identity))
            .pollInterval(Duration.ofMillis(50))
            .validationTimeout(Duration.ofSeconds(20))
            .backoff(Duration.ofMillis(300), Duration.ofSeconds(2))
            .build();
    AcmeManager acme =
        new AcmeManager(
            settings,
            new SecretCertificateStore(client, ns),
            false,
            ChallengeType.HTTP_01,
            new SimpleMeterRegistry(),
            () -> holder.current().snapshot().acmeChallenges());
    closeLater.add(acme);
    ClusterController c =
        ClusterController.start(
            client,
            ClusterSettings.builder()
                .identity(identity)
                .watchNamespaces(Set.of(ns))
                .leaseNamespace(ns)
                .leaseName("lead-" + ns)
                .leaseTimings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200))
                .exitOnStopLeading(false)
                .build(),
            holder,
            acme);
    closeLater.add(c);
    await().atMost(Duration.ofSeconds(5)).until(c::ready);
    return new Replica(server, c);
  }

  @Test
  void theLeaderOrdersTheFollowerAnswersTheValidationAndBothServeTheCertificate() throws Exception {
    Replica leader = replica("a", 0, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> "a".equals(holder()));
    // the follower listens where Pebble validates: every validation request reaches it, not the
    // replica that ordered
    Replica follower = replica("b", pebble.httpPort(), pebble.tlsPort());
    assertThat(holder()).isEqualTo("a");

    client.resource(service("web")).inNamespace(ns).create();
    Ingress ing = ingressWithTls("web", HOST, "web", "replicas-tls");
    ing.getMetadata().setAnnotations(java.util.Map.of("sluice.dev/acme", "true"));
    client.resource(ing).inNamespace(ns).create();

    Secret issued =
        await()
            .atMost(Duration.ofSeconds(45))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> client.secrets().inNamespace(ns).withName("replicas-tls").get(),
                s -> s != null && s.getData() != null && s.getData().containsKey("tls.crt"));
    assertThat(issued.getType()).isEqualTo("kubernetes.io/tls");
    X509Certificate leaf = leaf(issued);
    assertThat(leaf.getSubjectAlternativeNames().toString()).contains(HOST);
    // Pebble's validation of the challenge went to the follower's port
    assertThat(pebble.log()).contains(HOST);

    for (int port : new int[] {follower.server().httpsPort(), leader.server().httpsPort()}) {
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> leaf.equals(served(port, HOST)));
    }
    // decided: the leader clears the published challenges
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              Secret s = client.secrets().inNamespace(ns).withName(ChallengeSecret.NAME).get();
              return s == null || s.getData() == null || s.getData().isEmpty();
            });
  }

  private String holder() {
    var l = client.leases().inNamespace(ns).withName("lead-" + ns).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  private static X509Certificate leaf(Secret s) throws Exception {
    byte[] pem = Base64.getDecoder().decode(s.getData().get("tls.crt"));
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem))
            .iterator()
            .next();
  }

  /** The leaf certificate a replica's HTTPS listener serves for {@code host}, by a real handshake. */
  private static X509Certificate served(int port, String host) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(host)));
      s.setSSLParameters(p);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }
}
