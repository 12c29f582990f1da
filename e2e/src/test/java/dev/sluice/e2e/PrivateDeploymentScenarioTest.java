package dev.sluice.e2e;

import static dev.sluice.e2e.Manifests.indent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TlsBackend;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 3, the self-signed private deployment, as its operator runs it: a private CA made when
 * the test runs (as mkcert does) issues the site certificate, installed as a kubernetes.io/tls
 * Secret; the HTTPS backends have their own self-signed certificates (made by openssl); Sluice
 * terminates TLS 1.2+ with a restricted cipher list ({@code --tls-min-version 1.2 --tls-ciphers}).
 * Three routes to HTTPS backends: one verified against a CA Secret ({@code
 * sluice.dev/proxy-ssl-secret}, with {@code proxy-ssl-name}), one with verification off ({@code
 * proxy-ssl-verify: "off"}) to a backend nobody trusts, and one that verifies that same untrusted
 * backend and so answers 502. Clients: {@code openssl s_client} for the protocol and cipher checks,
 * curl with {@code --cacert} for the requests.
 */
class PrivateDeploymentScenarioTest {
  static final String VERIFIED = "app.private.test";
  static final String INSECURE = "legacy.private.test";
  static final String UNTRUSTED = "rogue.private.test";
  static final String BACKEND_NAME = "backend.private.internal";
  /** The one TLS 1.2 suite allowed (the site certificate is ECDSA), and one the default allows. */
  static final String ALLOWED = "ECDHE-ECDSA-AES256-GCM-SHA384";
  static final String REFUSED = "ECDHE-ECDSA-AES128-GCM-SHA256";

  @TempDir static Path work;
  static Path caPem;
  static TlsBackend trusted;
  static TlsBackend rogue;
  static SluiceProcess sluice;

  @BeforeAll
  static void start() throws Exception {
    TestCa mkcert = TestCa.create("mkcert development CA");
    caPem = mkcert.writePem(work.resolve("rootCA.pem"));
    TestCa.Issued site = mkcert.issue(VERIFIED, INSECURE, UNTRUSTED);
    Certificate trustedCert = selfSigned("trusted", BACKEND_NAME);
    Certificate rogueCert = selfSigned("rogue", BACKEND_NAME);
    trusted = TlsBackend.start("trusted", trustedCert, false);
    rogue = TlsBackend.start("rogue", rogueCert, false);

    Path manifests = Files.createDirectories(work.resolve("manifests"));
    Files.writeString(manifests.resolve("private.yaml"),
        manifest(site, trustedCert.certificateChainPem()));
    sluice = SluiceProcess.start(work, "--manifests", manifests.toString(), "--bind", "127.0.0.1",
        "--http-port", "0", "--https-port", "0", "--admin-port", "0",
        "--tls-min-version", "1.2",
        "--tls-ciphers",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (sluice != null) sluice.close();
    } finally {
      if (trusted != null) trusted.close();
      if (rogue != null) rogue.close();
    }
  }

  /** A self-signed backend certificate for {@code dnsName}, made with openssl as a user would. */
  static Certificate selfSigned(String name, String dnsName) throws Exception {
    Path crt = work.resolve(name + ".crt");
    Path key = work.resolve(name + ".key");
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", crt.toString(), "-days", "2",
        "-subj", "/CN=" + dnsName, "-addext", "subjectAltName=DNS:" + dnsName));
    return new Certificate(name, List.of(dnsName), Files.readString(crt), Files.readString(key));
  }

  static String manifest(TestCa.Issued site, String backendCaPem) {
    StringBuilder y = new StringBuilder("""
        %s
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: backend-ca, namespace: default}
        type: Opaque
        stringData:
          ca.crt: |
        %s
        """.formatted(Manifests.tlsSecret("default", "private-tls", site.chainPem(), site.keyPem()), indent(backendCaPem)));
    y.append(backend("trusted", trusted.port()));
    y.append(backend("rogue", rogue.port()));
    Map<String, String> verify = Map.of(
        "sluice.dev/proxy-ssl-secret", "backend-ca", "sluice.dev/proxy-ssl-name", BACKEND_NAME);
    y.append(ingress("verified", VERIFIED, "trusted", verify));
    y.append(ingress("insecure", INSECURE, "rogue", Map.of("sluice.dev/proxy-ssl-verify", "off")));
    y.append(ingress("untrusted", UNTRUSTED, "rogue", verify));
    return y.toString();
  }

  static String backend(String name, int port) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: default}
        spec:
          ports: [{name: https, port: 443, targetPort: https}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-1
          namespace: default
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports: [{name: https, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        """.formatted(name, name, name, port);
  }

  static String ingress(String name, String host, String service, Map<String, String> annotations) {
    String lines = annotations.entrySet().stream()
        .map(e -> "    " + e.getKey() + ": \"" + e.getValue() + "\"")
        .collect(Collectors.joining("\n"));
    return """
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: %s
          namespace: default
          annotations:
            sluice.dev/backend-protocol: HTTPS
        %s
        spec:
          tls: [{hosts: [%s], secretName: private-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: %s, port: {name: https}}}}
        """.formatted(name, lines, host, host, service);
  }


  @Test
  void curlTrustingTheTestCaReachesTheBackendVerifiedAgainstTheCaSecret() throws Exception {
    String out = curl(VERIFIED, "/hello");
    assertThat(out).startsWith("HTTP/2 200").contains("backend=trusted");
  }

  @Test
  void routeWithVerificationOffReachesTheSelfSignedBackendNobodyTrusts() throws Exception {
    assertThat(curl(INSECURE, "/")).startsWith("HTTP/2 200").contains("backend=rogue");
  }

  @Test
  void verifiedRouteToABackendWhoseCertificateIsNotTrustedAnswers502() throws Exception {
    PrometheusText before = scrape();
    assertThat(curl(UNTRUSTED, "/")).startsWith("HTTP/2 502").doesNotContain("backend=rogue");
    double tlsErrors = scrape().sum("sluice_proxy_errors_total", Map.of("kind", "upstream_tls"))
        - before.sum("sluice_proxy_errors_total", Map.of("kind", "upstream_tls"));
    assertThat(tlsErrors).isEqualTo(1);
  }

  @Test
  void tls11IsRefusedByTheServer() throws Exception {
    // SECLEVEL=0 lets this openssl offer TLS 1.1 at all; the refusal must come from Sluice
    Result r = sClient(List.of("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"));
    assertThat(r.exit()).as(r.out()).isNotZero();
    assertThat(r.out()).containsIgnoringCase("alert protocol version");
  }

  @Test
  void tls12WithTheAllowedCipherCompletesAndIsVerifiedByTheTestCa() throws Exception {
    Result r = sClient(List.of("-tls1_2", "-cipher", ALLOWED, "-CAfile", caPem.toString(),
        "-verify_return_error", "-verify_hostname", VERIFIED));
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("Protocol version: TLSv1.2").contains("Ciphersuite: " + ALLOWED)
        .contains("Verification: OK");
  }

  @Test
  void tls12WithACipherOutsideTheListIsRefused() throws Exception {
    Result r = sClient(List.of("-tls1_2", "-cipher", REFUSED));
    assertThat(r.exit()).as(r.out()).isNotZero();
    assertThat(r.out()).containsIgnoringCase("alert handshake failure");
  }

  @Test
  void tls13IsStillServed() throws Exception {
    Result r = sClient(List.of("-tls1_3", "-CAfile", caPem.toString(), "-verify_return_error"));
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("Protocol version: TLSv1.3");
  }

  record Result(int exit, String out) {}

  /** {@code openssl s_client -brief} to the HTTPS port with SNI {@value #VERIFIED}, stdin empty. */
  static Result sClient(List<String> extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-brief",
        "-connect", "127.0.0.1:" + sluice.httpsPort(), "-servername", VERIFIED));
    cmd.addAll(extra);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl s_client hung: " + cmd);
    }
    return new Result(p.exitValue(), out);
  }

  static String curl(String host, String path) throws Exception {
    return run(List.of("curl", "-sS", "-i", "--max-time", "10", "--cacert", caPem.toString(),
        "--resolve", host + ":" + sluice.httpsPort() + ":127.0.0.1",
        "https://" + host + ":" + sluice.httpsPort() + path));
  }

  static PrometheusText scrape() throws Exception {
    Curl.Result r = Curl.get(sluice.adminPort(), "localhost", "/metrics");
    assertThat(r.status()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  static String run(List<String> cmd) throws IOException, InterruptedException {
    return HttpsStandaloneTest.run(cmd);
  }
}
