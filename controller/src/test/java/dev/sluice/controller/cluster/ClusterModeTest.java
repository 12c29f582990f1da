package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.ingress;
import static dev.sluice.controller.cluster.KubeObjects.ingressClass;
import static dev.sluice.controller.cluster.KubeObjects.ingressWithTls;
import static dev.sluice.controller.cluster.KubeObjects.route;
import static dev.sluice.controller.cluster.KubeObjects.service;
import static dev.sluice.controller.cluster.KubeObjects.slice;
import static dev.sluice.controller.cluster.KubeObjects.tlsSecret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.DefaultCertificate;
import dev.sluice.testing.Commands;
import dev.sluice.testing.RawHttp;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode end to end: objects written through the real client to an API server (the fabric8
 * mock in CRUD mode, or a real cluster with {@code SLUICE_E2E_KUBECONFIG}), the controller's
 * informers, the real data plane on loopback and real backends, asserted with HTTP requests, the
 * snapshot, status and Events. One API server per class, one namespace and controller per test.
 */
class ClusterModeTest {
  private static KubeEnv env;
  private static KubernetesClient client;

  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private String ns;
  private HttpServer backend;
  private SnapshotHolder holder;
  private SluiceServer server;
  private ClusterController controller;

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
  void setUp() throws Exception {
    ns = env.newNamespace();
    backend = backend("alpha");
    holder = new SnapshotHolder();
    server = SluiceServer.start(
        ServerSettings.builder().bindAddress("127.0.0.1").httpPort(0).httpsPort(0).adminPort(0).build(),
        holder, new SimpleMeterRegistry());
    closeLater.add(server);
    apply(ingressClass());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
    backend.stop(0);
    env.deleteNamespace(ns);
  }

  private ClusterController startController(ClusterSettings.Builder b, SnapshotHolder sink) {
    ClusterController c = ClusterController.start(client,
        b.watchNamespaces(Set.of(ns)).leaseNamespace(ns).exitOnStopLeading(false).build(), sink);
    closeLater.add(c);
    return c;
  }

  private ClusterController startController() {
    ClusterController c = startController(ClusterSettings.builder().identity("solo")
        .publishAddress("10.9.9.9"), holder);
    await1s().until(c::ready);
    return c;
  }

  @Test
  void ingressChangesReachLiveTrafficWithinASecond() throws Exception {
    startController();
    apply(service("web"), slice("web", backend.getAddress().getPort(), true), ingress("web", "web.test", "/v1", "web"));
    await1s().until(() -> get("web.test", "/v1").status() == 200);
    assertThat(get("web.test", "/v1").bodyText()).isEqualTo("backend alpha");

    Ingress ing = client.network().v1().ingresses().inNamespace(ns).withName("web").get();
    ing.getSpec().getRules().getFirst().getHttp().getPaths().getFirst().setPath("/v2");
    client.resource(ing).update();
    await1s().until(() -> get("web.test", "/v2").status() == 200 && get("web.test", "/v1").status() == 404);

    client.network().v1().ingresses().inNamespace(ns).withName("web").delete();
    await1s().until(() -> get("web.test", "/v2").status() == 404);
  }

  @Test
  void endpointSliceWithoutReadyEndpointsGives503() throws Exception {
    startController();
    apply(service("web"), slice("web", backend.getAddress().getPort(), true), ingress("web", "web.test", "/", "web"));
    await1s().until(() -> get("web.test", "/").status() == 200);
    apply(slice("web", backend.getAddress().getPort(), false));
    await1s().until(() -> get("web.test", "/").status() == 503);
  }

  @Test
  void ingressStatusGetsThePublishAddressAndReadinessWaitsForSync() throws Exception {
    apply(service("web"), slice("web", backend.getAddress().getPort(), true), ingress("web", "web.test", "/", "web"));
    assertThat(holder.hasPublished()).isFalse();
    startController();
    // The first snapshot published is already complete: no window with an empty route table.
    assertThat(holder.hasPublished()).isTrue();
    assertThat(get("web.test", "/").status()).isEqualTo(200);
    await2s().until(() -> lbIp("web"), ip -> "10.9.9.9".equals(ip));
  }

  @Test
  void tlsSecretBecomesACertificate() throws Exception {
    startController();
    Certificate cert = DefaultCertificate.selfSigned("t", "secure.test", List.of("secure.test"), Duration.ofDays(1));
    apply(service("web"), slice("web", backend.getAddress().getPort(), true));
    apply(tlsSecret("secure-tls", cert), ingressWithTls("secure", "secure.test", "web", "secure-tls"));
    await1s().until(() -> holder.current().snapshot().certificates().stream()
        .anyMatch(c -> c.hostnames().contains("secure.test")));
    // a host listed under spec.tls: plain HTTP is redirected, HTTPS is served with the Secret
    RawHttp.Response plain = get("secure.test", "/");
    assertThat(plain.status()).isEqualTo(301);
    assertThat(plain.header("location"))
        .isEqualTo("https://secure.test:" + server.httpsPort() + "/");
    Path caFile = Files.createTempFile("secure-test", ".pem");
    closeLater.add(() -> Files.deleteIfExists(caFile));
    Files.writeString(caFile, cert.certificateChainPem());
    Commands.Result https =
        Commands.curlHttps("secure.test", server.httpsPort(), "/", caFile.toString());
    assertThat(https.exit()).as(https.err()).isZero();
    assertThat(https.out()).startsWith("HTTP/2 200").endsWith("backend alpha");
  }

  @Test
  void passthroughRoutesGetStatusAndTheYoungerConflictingOneAnEvent() throws Exception {
    startController();
    apply(service("db"), slice("db", backend.getAddress().getPort(), true));
    client.resource(route(ns, "first", "db.test", "db")).create();
    await1s().until(() -> passthroughHosts().contains("db.test"));
    await2s().until(() -> condition("first", "Accepted"), c -> c != null && "True".equals(c.getStatus()));
    assertThat(condition("first", "ResolvedRefs").getStatus()).isEqualTo("True");
    assertThat(client.resources(TLSPassthroughRoute.class).inNamespace(ns).withName("first").get()
        .getStatus().getObservedGeneration()).isEqualTo(1L);

    Thread.sleep(1100); // creationTimestamp has second resolution: make "second" clearly younger
    client.resource(route(ns, "second", "db.test", "db")).create();
    await2s().until(() -> condition("second", "Accepted"),
        c -> c != null && "False".equals(c.getStatus()) && "HostnameConflict".equals(c.getReason()));
    await2s().until(() -> events("second"), e -> e.stream().anyMatch(x -> "HostnameConflict".equals(x.getReason())
        && "Warning".equals(x.getType())));
    assertThat(condition("first", "Accepted").getStatus()).isEqualTo("True");
  }

  @Test
  void missingServiceIsReportedWhileOtherIngressesServe() throws Exception {
    startController();
    apply(service("web"), slice("web", backend.getAddress().getPort(), true),
        ingress("web", "web.test", "/", "web"), ingress("broken", "broken.test", "/", "nope"));
    await1s().until(() -> get("web.test", "/").status() == 200);
    assertThat(get("broken.test", "/").status()).isEqualTo(404);
    await2s().until(() -> events("broken"), e -> e.stream().anyMatch(x -> "BackendNotFound".equals(x.getReason())));
    // Once per distinct problem: later rebuilds do not add more Events for it.
    apply(ingress("other", "other.test", "/", "web"));
    await1s().until(() -> get("other.test", "/").status() == 200);
    assertThat(events("broken")).hasSize(1);
  }

  @Test
  void ingressesOfOtherControllersAreIgnored() throws Exception {
    startController();
    apply(service("web"), slice("web", backend.getAddress().getPort(), true));
    Ingress foreign = ingress("foreign", "foreign.test", "/", "web");
    foreign.getSpec().setIngressClassName("nginx");
    apply(foreign, ingress("mine", "mine.test", "/", "web"));
    await1s().until(() -> get("mine.test", "/").status() == 200);
    assertThat(get("foreign.test", "/").status()).isEqualTo(404);
    await2s().until(() -> lbIp("mine"), ip -> "10.9.9.9".equals(ip));
    assertThat(lbIp("foreign")).isNull();
    assertThat(events("foreign")).isEmpty();
  }

  @Test
  void followerServesTrafficButOnlyTheLeaderWritesStatus() throws Exception {
    Duration lease = Duration.ofSeconds(2);
    ClusterController a = startController(ClusterSettings.builder().identity("a").publishAddress("10.0.0.1")
        .leaseName("lead-" + ns).leaseTimings(lease, Duration.ofMillis(1500), Duration.ofMillis(200)), holder);
    await1s().until(a::ready);
    await2s().until(() -> client.leases().inNamespace(ns).withName("lead-" + ns).get() != null);
    SnapshotHolder followerHolder = new SnapshotHolder();
    SluiceServer followerServer = SluiceServer.start(
        ServerSettings.builder().bindAddress("127.0.0.1").httpPort(0).httpsPort(0).adminPort(0).build(),
        followerHolder, new SimpleMeterRegistry());
    closeLater.add(followerServer);
    ClusterController b = startController(ClusterSettings.builder().identity("b").publishAddress("10.0.0.2")
        .leaseName("lead-" + ns).leaseTimings(lease, Duration.ofMillis(1500), Duration.ofMillis(200)), followerHolder);

    apply(service("web"), slice("web", backend.getAddress().getPort(), true), ingress("web", "web.test", "/", "web"));
    await1s().until(() -> get("web.test", "/").status() == 200);
    await1s().until(() -> RawHttp.get(followerServer.httpPort(), "web.test", "/").status() == 200);
    await2s().until(() -> lbIp("web"), ip -> "10.0.0.1".equals(ip));
    assertThat(b.ready()).isTrue();
    Thread.sleep(500); // the follower had every chance to write its address
    assertThat(lbIp("web")).isEqualTo("10.0.0.1");
    assertThat(client.leases().inNamespace(ns).withName("lead-" + ns).get().getSpec().getHolderIdentity())
        .isEqualTo("a");

    a.close(); // leadership passes to b once the lease expires
    await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(50))
        .until(() -> lbIp("web"), ip -> "10.0.0.2".equals(ip));
  }

  // ---- helpers

  private static ConditionFactory await1s() {
    // "within 1 s" plus scheduling slack on a shared 2-core machine
    return await().atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(20));
  }

  private static ConditionFactory await2s() {
    return await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20));
  }

  private RawHttp.Response get(String host, String path) throws IOException {
    return RawHttp.get(server.httpPort(), host, path);
  }

  private List<String> passthroughHosts() {
    return holder.current().snapshot().passthrough().stream()
        .flatMap(p -> p.hostnames().stream()).toList();
  }

  private String lbIp(String ingress) {
    Ingress i = client.network().v1().ingresses().inNamespace(ns).withName(ingress).get();
    if (i == null || i.getStatus() == null || i.getStatus().getLoadBalancer() == null
        || i.getStatus().getLoadBalancer().getIngress() == null
        || i.getStatus().getLoadBalancer().getIngress().isEmpty()) {
      return null;
    }
    return i.getStatus().getLoadBalancer().getIngress().getFirst().getIp();
  }

  private Condition condition(String route, String type) {
    TLSPassthroughRoute r = client.resources(TLSPassthroughRoute.class).inNamespace(ns).withName(route).get();
    if (r == null || r.getStatus() == null) {
      return null;
    }
    return r.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private List<Event> events(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private void apply(HasMetadata... objects) {
    for (HasMetadata o : objects) {
      if (o.getMetadata().getNamespace() == null && !(o instanceof io.fabric8.kubernetes.api.model.networking.v1.IngressClass)) {
        o.getMetadata().setNamespace(ns);
      }
      client.resource(o).createOr(op -> op.update());
    }
  }

  private HttpServer backend(String name) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(KubeEnv.backendAddress(), 0), 0);
    byte[] body = ("backend " + name).getBytes(StandardCharsets.UTF_8);
    s.createContext("/", x -> {
      x.getRequestBody().readAllBytes();
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    s.start();
    return s;
  }
}
