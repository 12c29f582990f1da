package dev.sluice.controller.cluster;

import static dev.sluice.controller.cluster.KubeObjects.caSecret;
import static dev.sluice.controller.cluster.KubeObjects.ingress;
import static dev.sluice.controller.cluster.KubeObjects.ingressClass;
import static dev.sluice.controller.cluster.KubeObjects.ingressWithTls;
import static dev.sluice.controller.cluster.KubeObjects.route;
import static dev.sluice.controller.cluster.KubeObjects.service;
import static dev.sluice.controller.cluster.KubeObjects.slice;
import static dev.sluice.controller.cluster.KubeObjects.tlsSecret;
import static dev.sluice.controller.cluster.KubeObjects.twoPortSlice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.DefaultCertificate;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TlsBackend;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode, the TLS and Service side of "changes reach live traffic": passthrough routes,
 * Service edits and deletion, CA bundles from Opaque Secrets, certificate rotation. Same set-up as
 * {@link ClusterModeTest} (API server per class, namespace and controller per test, the real data
 * plane), asserted with HTTP requests and TLS handshakes against the data plane's ports.
 */
class ClusterTrafficTest {
  private static KubeEnv env;
  private static KubernetesClient client;

  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private String ns;
  private SluiceServer server;

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
    SnapshotHolder holder = new SnapshotHolder();
    server = SluiceServer.start(
        ServerSettings.builder().bindAddress("127.0.0.1").httpPort(0).httpsPort(0).adminPort(0).build(),
        holder, new SimpleMeterRegistry());
    closeLater.add(server);
    apply(ingressClass());
    ClusterController c = ClusterController.start(client, ClusterSettings.builder().identity("solo")
        .watchNamespaces(Set.of(ns)).leaseNamespace(ns).exitOnStopLeading(false).build(), holder);
    closeLater.add(c);
    await1s().until(c::ready);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
    env.deleteNamespace(ns);
  }

  @Test
  void passthroughRouteHandsTheHandshakeToTheBackendUntilDeleted() throws Exception {
    assumeLoopbackBackends();
    TestCa ca = TestCa.create("pass-ca");
    Certificate backendCert = ca.issueCertificate("pass-backend", "pass.test");
    TlsBackend tls = TlsBackend.start("pass", backendCert, false);
    closeLater.add(tls);
    String backendPrint = TestCa.fingerprint(TestCa.leaf(backendCert));
    String defaultPrint = TestCa.fingerprint(TestCa.leaf(DefaultCertificate.shared()));
    // before the route: Sluice terminates TLS for the name itself, with its default certificate
    assertThat(handshake("pass.test", null).fingerprint()).isEqualTo(defaultPrint);

    apply(service("pass"), slice("pass", tls.port(), true));
    client.resource(route(ns, "pass", "pass.test", "pass")).create();
    await1s().until(() -> handshake("pass.test", null).fingerprint(), backendPrint::equals);
    // the bytes after the handshake reach the backend too
    Handshake through = handshake("pass.test", "GET / HTTP/1.1\r\nHost: pass.test\r\nConnection: close\r\n\r\n");
    assertThat(through.reply()).startsWith("HTTP/1.1 200").contains("backend=pass");

    client.resources(TLSPassthroughRoute.class).inNamespace(ns).withName("pass").delete();
    await1s().until(() -> handshake("pass.test", null).fingerprint(), defaultPrint::equals);
  }

  @Test
  void serviceChangesMoveTrafficAndDeletionLeavesTheRouteOutWithAnEvent() throws Exception {
    HttpServer alpha = backend("alpha");
    HttpServer beta = backend("beta");
    // One endpoint publishing two named ports. The Ingress names Service port 80; which endpoint
    // port that is follows the Service port's name (as the EndpointSlice controller publishes it).
    apply(service("web", "http"),
        twoPortSlice("web", alpha.getAddress().getPort(), beta.getAddress().getPort()),
        ingress("web", "web.test", "/", "web"));
    await1s().until(() -> backendOf("web.test"), "alpha"::equals);

    apply(renamedPort(service("web", "alt"), "alt"));
    await1s().until(() -> backendOf("web.test"), "beta"::equals);

    client.services().inNamespace(ns).withName("web").delete();
    await1s().until(() -> get("web.test", "/").status() == 404);
    await2s().until(() -> events("web"), e -> e.stream().anyMatch(x ->
        "BackendNotFound".equals(x.getReason()) && "Warning".equals(x.getType())));

    apply(service("web", "http"));
    await1s().until(() -> backendOf("web.test"), "alpha"::equals);
  }

  @Test
  void caBundleFromAnOpaqueSecretVerifiesAnHttpsBackend() throws Exception {
    assumeLoopbackBackends();
    TestCa ca = TestCa.create("upstream-ca");
    // the name Sluice verifies (and sends as SNI) for a cluster Service: service.namespace.svc
    TestBackend secure = TestBackend.startTls("secure", ca.issue("secure." + ns + ".svc"));
    closeLater.add(secure);
    Ingress ing = ingress("up", "up.test", "/", "secure");
    ing.getMetadata().setAnnotations(Map.of(
        "sluice.dev/backend-protocol", "HTTPS", "sluice.dev/proxy-ssl-secret", "upstream-ca"));
    apply(service("secure"), slice("secure", secure.port(), true), ing);
    // the Secret does not exist yet: the Ingress is reported and left out
    await2s().until(() -> events("up"), e -> e.stream().anyMatch(x -> "SecretNotFound".equals(x.getReason())));
    assertThat(get("up.test", "/echo").status()).isEqualTo(404);

    apply(caSecret("upstream-ca", ca.pem()));
    await1s().until(() -> get("up.test", "/echo").status() == 200);
    RawHttp.Response r = get("up.test", "/echo");
    assertThat(r.bodyText()).contains("\"backend\":\"secure\"").contains("secure." + ns + ".svc");
    assertThat(secure.sniNames()).contains("secure." + ns + ".svc");

    // a CA bundle rotated in place to one that does not sign the backend: verification fails
    apply(caSecret("upstream-ca", TestCa.create("other-ca").pem()));
    await1s().until(() -> get("up.test", "/echo").status() == 502);
  }

  @Test
  void rotatedTlsSecretIsServedOnNewConnectionsWithinASecond() throws Exception {
    HttpServer web = backend("web");
    TestCa ca = TestCa.create("rotation-ca");
    Certificate first = ca.issueCertificate("first", "rot.test");
    Certificate second = ca.issueCertificate("second", "rot.test");
    apply(service("web"), slice("web", web.getAddress().getPort(), true), tlsSecret("rot-tls", first),
        ingressWithTls("rot", "rot.test", "web", "rot-tls"));
    String firstPrint = TestCa.fingerprint(TestCa.leaf(first));
    await1s().until(() -> handshake("rot.test", null).fingerprint(), firstPrint::equals);

    apply(tlsSecret("rot-tls", second));
    String secondPrint = TestCa.fingerprint(TestCa.leaf(second));
    await1s().until(() -> handshake("rot.test", null).fingerprint(), secondPrint::equals);
    assertThat(secondPrint).isNotEqualTo(firstPrint);
  }

  // ---- helpers

  /**
   * The TLS test backends listen on 127.0.0.1 only, which a real API server refuses in an
   * EndpointSlice; those tests run against the mock API server only.
   */
  private static void assumeLoopbackBackends() {
    assumeTrue("127.0.0.1".equals(KubeEnv.backendAddress()),
        "TLS backends listen on loopback only; SLUICE_E2E_BACKEND_ADDRESS is not loopback");
  }

  /** A plain HTTP backend at {@link KubeEnv#backendAddress()} answering with header x-backend. */
  private HttpServer backend(String name) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(KubeEnv.backendAddress(), 0), 0);
    byte[] body = ("backend " + name).getBytes(StandardCharsets.UTF_8);
    s.createContext("/", x -> {
      x.getRequestBody().readAllBytes();
      x.getResponseHeaders().set("x-backend", name);
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    s.start();
    closeLater.add(() -> s.stop(0));
    return s;
  }

  /** What one TLS connection to the HTTPS port saw: the leaf's fingerprint and the reply, if any. */
  private record Handshake(String fingerprint, String reply) {}

  /**
   * A new TLS connection to the data plane's HTTPS port with SNI {@code sni}, trusting any
   * certificate (the fingerprint is what is asserted); sends {@code request} when not null.
   */
  private Handshake handshake(String sni, String request) {
    try (SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", server.httpsPort())) {
      s.setSoTimeout(3000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      p.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      String print = TestCa.fingerprint((X509Certificate) s.getSession().getPeerCertificates()[0]);
      String reply = null;
      if (request != null) {
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }
      return new Handshake(print, reply);
    } catch (IOException e) {
      return new Handshake("failed: " + e, null);
    }
  }

  private static SSLContext trustAll() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static io.fabric8.kubernetes.api.model.Service renamedPort(
      io.fabric8.kubernetes.api.model.Service s, String portName) {
    s.getSpec().getPorts().getFirst().setName(portName);
    return s;
  }

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

  /** The {@code x-backend} header of a GET, or the status when it failed. */
  private String backendOf(String host) throws IOException {
    RawHttp.Response r = get(host, "/");
    return r.status() == 200 ? r.header("x-backend") : "status " + r.status();
  }

  private List<Event> events(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private void apply(HasMetadata... objects) {
    for (HasMetadata o : objects) {
      if (o.getMetadata().getNamespace() == null && !(o instanceof IngressClass)) {
        o.getMetadata().setNamespace(ns);
      }
      client.resource(o).createOr(op -> op.update());
    }
  }
}
