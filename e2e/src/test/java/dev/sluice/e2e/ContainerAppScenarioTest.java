package dev.sluice.e2e;

import static dev.sluice.e2e.Manifests.indent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.acme.Pebble;
import dev.sluice.testing.PrometheusText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4, the container-style app deployment (a compose file's worth: one JSON API, one
 * proxy): a FastAPI-like JSON service ({@link JsonApiBackend}) published under {@value #HOST} by
 * the packaged Sluice in standalone mode (a manifest folder), with
 *
 * <ul>
 *   <li>a certificate ordered from Let's Encrypt's test server Pebble ({@code sluice.dev/acme:
 *       "true"}, {@code --acme-directory}, {@code --acme-state-dir}); Pebble validates TLS-ALPN-01
 *       on the port Sluice serves HTTPS on, and Sluice trusts Pebble's API certificate through the
 *       JVM's standard trust-store properties ({@code JDK_JAVA_OPTIONS=-Djavax.net.ssl.trustStore=
 *       ...}), as an operator with a private ACME server would do;
 *   <li>an {@code /admin} route behind basic auth (an htpasswd Secret with a bcrypt and an apr1
 *       user, HTTPS only);
 *   <li>response compression on both routes.
 * </ul>
 *
 * Clients are curl and {@code openssl s_client}, trusting nothing but Pebble's root.
 */
class ContainerAppScenarioTest {
  static final String HOST = "app.container.test";
  static final String BCRYPT_USER = "alice";
  static final String BCRYPT_PASSWORD = "wonderland-2024";
  static final String APR1_USER = "bob";
  static final String APR1_PASSWORD = "builder#42";

  @TempDir static Path work;
  static Pebble pebble;
  static JsonApiBackend api;
  static SluiceProcess sluice;
  static X509Certificate pebbleRoot;
  static Path rootPem;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Pebble.installed(),
        "the pebble binary is missing (apt-get install pebble): ACME scenario skipped");
    Path pebbleDir = Files.createDirectories(work.resolve("pebble"));
    pebble = new Pebble(pebbleDir);
    pebbleRoot = pebble.root();
    rootPem = work.resolve("pebble-root.pem");
    Files.writeString(rootPem, pem(pebbleRoot));
    // Sluice must trust Pebble's API (HTTPS with a certificate from a CA made at test time): a
    // trust store holding that CA, given to the JVM with the standard javax.net.ssl properties
    Path trustStore = trustStore(pebbleDir.resolve("ca.pem"), work.resolve("acme-trust.p12"));

    api = JsonApiBackend.start();
    Path manifests = Files.createDirectories(work.resolve("manifests"));
    Files.writeString(manifests.resolve("app.yaml"), manifest(api.port()));
    // Pebble validates TLS-ALPN-01 at its tlsPort (and HTTP-01 at its httpPort): Sluice listens there
    sluice = SluiceProcess.start(work, List.of(),
        Map.of("JDK_JAVA_OPTIONS", "-Djavax.net.ssl.trustStore=" + trustStore
            + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12"),
        "--manifests", manifests.toString(), "--bind", "127.0.0.1",
        "--http-port", Integer.toString(pebble.httpPort()),
        "--https-port", Integer.toString(pebble.tlsPort()), "--admin-port", "0",
        "--acme-directory", pebble.directory().toString(), "--acme-email", "ops@container.test",
        "--acme-state-dir", work.resolve("acme-state").toString());
    // served once the order went through: curl trusts nothing but Pebble's root
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> curl("/health").startsWith("HTTP/2 200"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (sluice != null) {
        int exit = sluice.stop();
        System.out.println(sluice.log()); // in target/surefire-reports/*-output.txt
        assertThat(exit).as("exit status after SIGTERM").isEqualTo(143);
      }
    } finally {
      if (api != null) api.close();
      if (pebble != null) pebble.close();
    }
  }

  // --- the certificate ---------------------------------------------------------------------------

  @Test
  void theCertificateFromPebbleIsServedAndChainsToPebblesRoot() throws Exception {
    // what a client receives for SNI HOST, verified by openssl against Pebble's root and HOST
    List<X509Certificate> chain = servedChain();
    X509Certificate leaf = chain.get(0);
    assertThat(leaf.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
        .containsExactly(HOST);
    assertThat(leaf.getIssuerX500Principal().getName()).containsIgnoringCase("Pebble");
    // the served chain reaches Pebble's root: each certificate signed by the next, the last by it
    for (int i = 0; i + 1 < chain.size(); i++) {
      chain.get(i).verify(chain.get(i + 1).getPublicKey());
    }
    chain.get(chain.size() - 1).verify(pebbleRoot.getPublicKey());

    // curl verifies the same way, as a user's browser would
    assertThat(curl("/items")).startsWith("HTTP/2 200").contains("\"name\":\"item-39\"");
    String verbose = run(curlCommand("/health", "-v", "-o", "/dev/null"));
    assertThat(verbose).contains("SSL certificate verify ok").contains("subjectAltName: host \""
        + HOST + "\" matched");

    // kept in the state directory (mode 600), counted once
    Path stored = work.resolve("acme-state/certificates/default/app-tls.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)))
        .isEqualTo("rw-------");
    PrometheusText metrics = scrape();
    assertThat(metrics.sum("sluice_acme_orders_total", Map.of("result", "valid"))).isEqualTo(1);

    // plain HTTP is redirected to HTTPS for the TLS host
    Curl.Result redirect = Curl.get(sluice.httpPort(), HOST, "/items?page=2", "-i");
    assertThat(redirect.status()).isBetween(301, 308);
    assertThat(redirect.body()).containsIgnoringCase(
        "location: https://" + HOST + ":" + sluice.httpsPort() + "/items?page=2");
  }

  // --- basic auth on /admin ----------------------------------------------------------------------

  @Test
  void theAdminRouteNeedsTheRightPasswordAndThePublicRouteStaysOpen() throws Exception {
    int adminHitsBefore = adminHits();

    String none = curl("/admin/stats");
    assertThat(none).startsWith("HTTP/2 401").contains("www-authenticate: Basic realm=\"App admin\"");
    assertThat(curl("/admin/stats", "-u", BCRYPT_USER + ":wrong")).startsWith("HTTP/2 401");
    assertThat(curl("/admin/stats", "-u", APR1_USER + ":" + BCRYPT_PASSWORD)).startsWith("HTTP/2 401");
    assertThat(curl("/admin/stats", "-u", "mallory:" + APR1_PASSWORD)).startsWith("HTTP/2 401");
    assertThat(adminHits()).as("refused requests never reach the app").isEqualTo(adminHitsBefore);

    assertThat(curl("/admin/stats", "-u", BCRYPT_USER + ":" + BCRYPT_PASSWORD))
        .startsWith("HTTP/2 200").contains("\"admin\":true").contains("\"forwardedProto\":\"https\"");
    assertThat(curl("/admin/stats", "-u", APR1_USER + ":" + APR1_PASSWORD))
        .startsWith("HTTP/2 200").contains("\"admin\":true");
    assertThat(adminHits()).isEqualTo(adminHitsBefore + 2);

    // the public API needs no credentials
    assertThat(curl("/items")).startsWith("HTTP/2 200");
    assertThat(curl("/health")).startsWith("HTTP/2 200").contains(JsonApiBackend.HEALTH);
    // and the admin route is never served on plain HTTP, where the password would travel in clear
    Curl.Result plain = Curl.get(sluice.httpPort(), HOST, "/admin/stats", "-i",
        "-u", BCRYPT_USER + ":" + BCRYPT_PASSWORD);
    assertThat(plain.status()).isBetween(301, 308);
    assertThat(adminHits()).isEqualTo(adminHitsBefore + 2);
  }

  // --- compression -------------------------------------------------------------------------------

  @Test
  void jsonIsCompressedForClientsThatAskAndDecodesToTheSameDocument() throws Exception {
    String identity = body(curl("/items"));
    assertThat(identity).isEqualTo(JsonApiBackend.ITEMS);
    assertThat(headers(curl("/items"))).doesNotContain("content-encoding:")
        .contains("vary: accept-encoding");

    // curl --compressed offers every encoding it can decode (gzip, br, zstd ...) and decodes it
    String compressed = curl("/items", "--compressed");
    assertThat(headers(compressed)).containsPattern("content-encoding: (br|gzip|zstd)")
        .contains("vary: accept-encoding").doesNotContain("content-length:");
    assertThat(body(compressed)).isEqualTo(identity);

    String gzip = curl("/items", "--compressed", "-H", "Accept-Encoding: gzip");
    assertThat(headers(gzip)).contains("content-encoding: gzip").contains("vary: accept-encoding");
    assertThat(body(gzip)).isEqualTo(identity);

    // the bytes on the wire really are smaller: count them with curl's own size_download
    String sizes = run(curlCommand("/items", "-o", "/dev/null", "-w", "%{size_download}",
        "-H", "Accept-Encoding: gzip"));
    assertThat(Integer.parseInt(sizes.strip())).isLessThan(identity.length() / 3);

    // the admin route (once authenticated) is compressed too, from its own lower minimum length
    String admin = curl("/admin/stats", "--compressed", "-H", "Accept-Encoding: gzip",
        "-u", APR1_USER + ":" + APR1_PASSWORD);
    assertThat(headers(admin)).startsWith("HTTP/2 200").contains("content-encoding: gzip");
    assertThat(body(admin)).startsWith("{\"admin\":true");

    // a tiny response stays as it is: below compression-min-length
    String tiny = curl("/health", "--compressed");
    assertThat(headers(tiny)).doesNotContain("content-encoding:")
        .contains("content-length: " + JsonApiBackend.HEALTH.length());
    assertThat(body(tiny)).isEqualTo(JsonApiBackend.HEALTH);
  }

  // --- helpers -----------------------------------------------------------------------------------

  static int adminHits() {
    return (int) api.paths().stream().filter(p -> p.startsWith("/admin")).count();
  }

  static String manifest(int apiPort) throws Exception {
    String htpasswd = BCRYPT_USER + ":" + bcrypt(BCRYPT_PASSWORD) + "\n"
        + APR1_USER + ":" + apr1(APR1_PASSWORD) + "\n";
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: 8000}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: api-1
          namespace: default
          labels: {kubernetes.io/service-name: api}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: admin-users, namespace: default}
        type: Opaque
        stringData:
          auth: |
        %s
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: app
          namespace: default
          annotations:
            sluice.dev/acme: "true"
            sluice.dev/enable-compression: "true"
        spec:
          tls: [{hosts: [%s], secretName: app-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: app-admin
          namespace: default
          annotations:
            sluice.dev/auth-type: basic
            sluice.dev/auth-secret: admin-users
            sluice.dev/auth-realm: App admin
            sluice.dev/force-ssl-redirect: "true"
            sluice.dev/enable-compression: "true"
            sluice.dev/compression-min-length: "16"
        spec:
          rules:
            - host: %s
              http:
                paths:
                  - {path: /admin, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
        """
        .formatted(apiPort, indent(htpasswd), HOST, HOST, HOST);
  }

  /** A bcrypt htpasswd hash ({@code htpasswd -B} writes {@code $2y$}), made with BouncyCastle. */
  static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 8);
  }

  /** An Apache MD5 ({@code $apr1$}) hash made by {@code openssl passwd -apr1}. */
  static String apr1(String password) throws Exception {
    return run(List.of("openssl", "passwd", "-apr1", password)).strip();
  }

  static String curl(String path, String... extra) throws Exception {
    return run(curlCommand(path, extra)).replace("\r\n", "\n");
  }

  /** curl to HOST on Sluice's HTTPS port, trusting Pebble's root only, headers with the body. */
  static List<String> curlCommand(String path, String... extra) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10",
        "--cacert", rootPem.toString(),
        "--resolve", HOST + ":" + sluice.httpsPort() + ":127.0.0.1"));
    if (extra.length == 0 || !List.of(extra).contains("-o")) {
      cmd.add("-i");
    }
    cmd.addAll(List.of(extra));
    cmd.add("https://" + HOST + ":" + sluice.httpsPort() + path);
    return cmd;
  }

  /** The head of a {@code curl -i} answer, header names lower case (HTTP/2). */
  static String headers(String response) {
    int end = response.indexOf("\n\n");
    return end < 0 ? response : response.substring(0, end);
  }

  static String body(String response) {
    int end = response.indexOf("\n\n");
    return end < 0 ? "" : response.substring(end + 2);
  }

  /** The certificate chain Sluice serves for SNI HOST, as any client receives it. */
  static List<X509Certificate> servedChain() throws Exception {
    String out = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + sluice.httpsPort(),
        "-servername", HOST, "-showcerts", "-CAfile", rootPem.toString(), "-verify_return_error",
        "-verify_hostname", HOST));
    assertThat(out).contains("Verify return code: 0 (ok)");
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> chain = new ArrayList<>();
    int from = 0;
    while (true) {
      int begin = out.indexOf("-----BEGIN CERTIFICATE-----", from);
      if (begin < 0) {
        break;
      }
      int end = out.indexOf("-----END CERTIFICATE-----", begin) + "-----END CERTIFICATE-----".length();
      try (InputStream in = new java.io.ByteArrayInputStream(
          out.substring(begin, end).getBytes(StandardCharsets.US_ASCII))) {
        chain.add((X509Certificate) cf.generateCertificate(in));
      }
      from = end;
    }
    assertThat(chain).isNotEmpty();
    return chain;
  }

  static Path trustStore(Path caPem, Path into) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
      ks.setCertificateEntry("pebble-api", ca);
    }
    try (var out = Files.newOutputStream(into)) {
      ks.store(out, "changeit".toCharArray());
    }
    return into;
  }

  static String pem(X509Certificate cert) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  static PrometheusText scrape() throws Exception {
    Curl.Result r = Curl.get(sluice.adminPort(), "localhost", "/metrics");
    assertThat(r.status()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }


  /** Runs a command with stdin empty (so {@code openssl s_client} ends); its output, or throws. */
  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("hung: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException(cmd.get(0) + " failed (" + p.exitValue() + "):\n" + out);
    }
    return out;
  }
}
