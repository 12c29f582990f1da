package dev.sluice.controller.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.standalone.ManifestFolderSource;
import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME end to end against a real ACME server (Pebble) on loopback: the standalone wiring (manifest
 * folder -> translator with the ACME manager -> data plane), Pebble validating challenges against
 * the live data plane's HTTP listener (HTTP-01) and its HTTPS listener (TLS-ALPN-01: {@link
 * SluiceServer} bound on the port Pebble validates), certificates stored in the state directory and
 * served by that same HTTPS listener.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AcmePebbleTest {
  private static Path pebbleDir;
  private static Pebble pebble;
  private static SnapshotHolder holder;
  private static SluiceServer server;

  @TempDir Path tmp;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private AcmeManager manager;
  private ManifestFolderSource source;
  private DirectoryCertificateStore store;

  @BeforeAll
  static void startPebble() throws Exception {
    Assumptions.assumeTrue(Pebble.installed(),
        "the pebble binary is missing (apt-get install pebble): ACME tests skipped");
    pebbleDir = Files.createTempDirectory("pebble");
    pebble = new Pebble(pebbleDir);
    holder = new SnapshotHolder();
    server = SluiceServer.start(ServerSettings.builder().bindAddress("127.0.0.1")
        .httpPort(pebble.httpPort()).httpsPort(pebble.tlsPort()).adminPort(0).build(), holder,
        new SimpleMeterRegistry());
  }

  @AfterAll
  static void stopPebble() {
    if (server != null) {
      server.close();
    }
    if (pebble != null) {
      pebble.close();
    }
  }

  @AfterEach
  void stop() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** Standalone wiring, as Main does it, with the test's ACME settings, into the served holder. */
  private void start(String host, String secret, ChallengeType type, AcmeSettings.Builder tune)
      throws Exception {
    start(holder, host, secret, type, tune);
  }

  private void start(SnapshotHolder into, String host, String secret, ChallengeType type,
      AcmeSettings.Builder tune) throws Exception {
    Path manifests = Files.createDirectories(tmp.resolve("manifests"));
    Files.writeString(manifests.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: default
          annotations:
            sluice.dev/acme: "true"
        spec:
          tls:
          - hosts: [%s]
            secretName: %s
          rules:
          - host: %s
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service: {name: web, port: {number: 80}}
        """.formatted(host, secret, host));
    AcmeSettings settings = tune.directory(pebble.directory()).trust(pebble.trust())
        .email("ops@sluice.test").stateDir(tmp.resolve("state"))
        .pollInterval(Duration.ofMillis(50)).validationTimeout(Duration.ofSeconds(20)).build();
    store = new DirectoryCertificateStore(settings.stateDir());
    manager = new AcmeManager(settings, store, true, type, registry,
        () -> into.current().snapshot().acmeChallenges());
    SnapshotTranslator translator =
        new SnapshotTranslator(TranslatorSettings.standalone("sluice"), manager);
    source = new ManifestFolderSource(manifests, translator, into, Duration.ofMillis(20),
        Duration.ofMillis(100), Duration.ofMillis(25));
    source.onTranslated(t -> manager.demands(t.acmeDemands()));
    manager.onChange(source::refresh);
    closeables.add(manager);
    closeables.add(source);
    source.start();
    manager.leading(true);
  }

  private AcmeSettings.Builder fast() {
    return AcmeSettings.builder().backoff(Duration.ofMillis(300), Duration.ofSeconds(2));
  }

  @Test
  void http01IssuesThroughTheLiveHttpListenerAndServesTheCertificate() throws Exception {
    start("http01.sluice.test", "http01-tls", ChallengeType.HTTP_01, fast());

    StoredCertificate c = awaitIssued("http01-tls");
    assertThat(c.names()).containsExactly("http01.sluice.test");
    assertThat(c.issuer()).isEqualTo(pebble.directory().toString());
    verifyChain(c.chainPem());
    Path file = tmp.resolve("state/certificates/default/http01-tls.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

    X509Certificate leaf = StoredCertificate.leaf(c.chainPem());
    await().atMost(Duration.ofSeconds(10)).until(() -> leaf.equals(served("http01.sluice.test")));
    assertThat(holder.current().snapshot().acmeChallenges().isEmpty()).isTrue();
    assertThat(registry.counter(AcmeManager.ORDERS, "result", "valid").count()).isEqualTo(1);
    assertThat(registry.get(AcmeManager.EXPIRY).tag("host", "http01.sluice.test").gauge().value())
        .isEqualTo((double) c.notAfter().getEpochSecond());
    assertThat(pebble.log()).contains("http01.sluice.test");
  }

  @Test
  void tlsAlpn01IssuesThroughTheLiveHttpsListener() throws Exception {
    start("alpn.sluice.test", "alpn-tls", ChallengeType.TLS_ALPN_01, fast());

    StoredCertificate c = awaitIssued("alpn-tls");
    assertThat(c.names()).containsExactly("alpn.sluice.test");
    verifyChain(c.chainPem());
    X509Certificate leaf = StoredCertificate.leaf(c.chainPem());
    await().atMost(Duration.ofSeconds(10)).until(() -> leaf.equals(served("alpn.sluice.test")));
    assertThat(holder.current().snapshot().acmeChallenges().isEmpty()).isTrue();
  }

  @Test
  void certificateNearExpiryIsReplacedWithoutAFailedHandshake() throws Exception {
    // a certificate for the host that expires tomorrow, as a previous run would have left it
    Path dir = Files.createDirectories(tmp.resolve("old"));
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-days", "1", "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=renew.sluice.test",
        "-addext", "subjectAltName=DNS:renew.sluice.test").directory(dir.toFile())
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
    String oldChain = Files.readString(dir.resolve("cert.pem"));
    X509Certificate old = StoredCertificate.leaf(oldChain);
    new DirectoryCertificateStore(tmp.resolve("state")).write("default", "renew-tls",
        new StoredCertificate(oldChain, Files.readString(dir.resolve("key.pem")), "earlier",
            old.getNotAfter().toInstant(), List.of("renew.sluice.test")));

    // hold back the order until the old certificate is seen served, then hammer during renewal
    start("renew.sluice.test", "renew-tls", ChallengeType.HTTP_01, fast());
    List<X509Certificate> seen = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread client = new Thread(() -> {
      while (running.get()) {
        try {
          X509Certificate s = served("renew.sluice.test");
          if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(s)) {
            seen.add(s);
          }
        } catch (Exception e) {
          failures.incrementAndGet();
        }
      }
    });
    client.start();
    try {
      StoredCertificate renewed = await().atMost(Duration.ofSeconds(30)).until(
          () -> store.read("default", "renew-tls").orElseThrow(),
          c -> c.issuer().equals(pebble.directory().toString()));
      X509Certificate fresh = StoredCertificate.leaf(renewed.chainPem());
      assertThat(fresh.getNotAfter()).isAfter(old.getNotAfter());
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(fresh));
    } finally {
      running.set(false);
      client.join();
    }
    assertThat(failures.get()).as("handshakes that failed during the renewal").isZero();
    assertThat(seen.get(seen.size() - 1)).isNotEqualTo(old);
    // the expiring certificate was served until the new one replaced it, never the default
    assertThat(seen).allMatch(s -> s.equals(old) || s.getIssuerX500Principal().getName().contains("Pebble"));
  }

  @Test
  void failedValidationIsRetriedWithBackoffAndReportedOnTheIngress() throws Exception {
    // TLS-ALPN-01 with the challenges published where no listener serves them: the HTTPS port
    // answers Pebble without the challenge certificate, so every validation is refused
    SnapshotHolder unserved = new SnapshotHolder();
    start(unserved, "fail.sluice.test", "fail-tls", ChallengeType.TLS_ALPN_01,
        AcmeSettings.builder().backoff(Duration.ofMillis(200), Duration.ofMillis(800)));

    await().atMost(Duration.ofSeconds(30)).until(
        () -> manager.backoff("default", "fail-tls").map(b -> b.failures() >= 3).orElse(false));
    AcmeManager.Backoff b = manager.backoff("default", "fail-tls").orElseThrow();
    assertThat(b.lastError()).contains("validation of fail.sluice.test failed");
    assertThat(b.nextAttempt()).isBefore(Instant.now().plusSeconds(2)); // capped at 800 ms
    assertThat(registry.counter(AcmeManager.ORDERS, "result", "invalid").count()).isGreaterThanOrEqualTo(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> source.lastPublished().problems().stream()
        .anyMatch(p -> p.reason() == ResourceProblem.Reason.AcmeOrderFailed
            && p.name().equals("web") && p.message().contains("fail-tls")));
    assertThat(store.read("default", "fail-tls")).isEmpty();
    List<Certificate> certs = unserved.current().snapshot().certificates();
    assertThat(certs).noneMatch(c -> c.name().equals("default/fail-tls"));
  }

  private StoredCertificate awaitIssued(String secret) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> store.read("default", secret), o -> o.isPresent()).orElseThrow();
  }

  private void verifyChain(String chainPem) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> chain = new ArrayList<>();
    for (var c : cf.generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)))) {
      chain.add((X509Certificate) c);
    }
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(pebble.root(), null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(chain), params);
  }

  /** The leaf certificate the HTTPS listener serves for {@code host}, by a real TLS handshake. */
  private static X509Certificate served(String host) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
      @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress("127.0.0.1", pebble.tlsPort()), 2000);
      s.setSoTimeout(5000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(host)));
      s.setSSLParameters(p);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

}
