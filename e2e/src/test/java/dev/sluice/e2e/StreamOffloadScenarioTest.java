package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.Commands;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TlsBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 1 of the end-to-end issue: the stack people run today — nginx {@code stream {
 * ssl_preread on; map $ssl_preread_server_name ...; proxy_protocol on; }} in front of a second,
 * TLS-offloading proxy — replaced by one packaged Sluice in standalone mode:
 *
 * <ul>
 *   <li>{@code subdomain1.mydomain.test} and {@code subdomain2.mydomain.test}: passed through to
 *       backend A, a TLS server with its own certificate that reads a PROXY v2 header;
 *   <li>{@code myotherdomain.test}: passed through to backend B, no PROXY header;
 *   <li>every other name under {@code mydomain.test}: terminated by Sluice with its own certificate
 *       (a {@code kubernetes.io/tls} Secret made when the test runs) and proxied to an HTTP app
 *       that sees the client address in {@code X-Real-IP}/{@code X-Forwarded-For};
 *   <li>port 80: the offloaded hosts redirect to HTTPS; the passthrough sites' own HTTP ports get
 *       their requests (their own redirects, their ACME HTTP-01 challenges).
 * </ul>
 *
 * Clients are curl, {@code openssl s_client} and JDK sockets; client connections come from
 * distinct loopback addresses (127.0.0.2, 127.0.0.3) so the addresses checked are the client's
 * own, not a constant.
 */
class StreamOffloadScenarioTest {
  static final String SUB1 = "subdomain1.mydomain.test";
  static final String SUB2 = "subdomain2.mydomain.test";
  static final String OTHER = "myotherdomain.test";
  static final String APP = "app.mydomain.test";

  @TempDir static Path work;
  static TestCa offloadCa;
  static TestCa siteCaA;
  static TestCa siteCaB;
  static Path offloadCaPem;
  static Path siteCaAPem;
  static Path siteCaBPem;
  static Certificate certA;
  static Certificate certB;
  static TestCa.Issued offloadCert;
  static TlsBackend backendA;
  static TlsBackend backendB;
  static SiteHttpPort httpA;
  static SiteHttpPort httpB;
  static EchoProcess app;
  static SluiceProcess sluice;

  @BeforeAll
  static void start() throws Exception {
    offloadCa = TestCa.create("mydomain-offload-ca");
    siteCaA = TestCa.create("site-a-ca");
    siteCaB = TestCa.create("site-b-ca");
    offloadCaPem = offloadCa.writePem(work.resolve("offload-ca.pem"));
    siteCaAPem = siteCaA.writePem(work.resolve("site-a-ca.pem"));
    siteCaBPem = siteCaB.writePem(work.resolve("site-b-ca.pem"));
    certA = siteCaA.issueCertificate("site-a", SUB1, SUB2);
    certB = siteCaB.issueCertificate("site-b", OTHER);
    offloadCert = offloadCa.issue("*.mydomain.test", "mydomain.test");

    backendA = TlsBackend.start("site-a", certA, true);
    backendB = TlsBackend.start("site-b", certB, false);
    httpA = SiteHttpPort.start("site-a");
    httpB = SiteHttpPort.start("site-b");
    app = EchoProcess.start("offload-app");

    Path manifests = Files.createDirectories(work.resolve("manifests"));
    Files.writeString(manifests.resolve("offload.yaml"), offloadManifests());
    Files.writeString(manifests.resolve("sites.yaml"), siteManifests());
    sluice =
        SluiceProcess.start(
            work, "--manifests", manifests.toString(), "--bind", "127.0.0.1", "--http-port", "0",
            "--https-port", "0", "--admin-port", "0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) {
      sluice.close();
      System.out.println(sluice.log()); // in target/surefire-reports/*-output.txt
    }
    if (app != null) app.close();
    if (httpA != null) httpA.close();
    if (httpB != null) httpB.close();
    if (backendA != null) backendA.close();
    if (backendB != null) backendB.close();
  }

  /** The offloading half: the Secret, the app's Service and the wildcard Ingress with TLS. */
  static String offloadManifests() {
    return """
        %s
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: app-1
          namespace: default
          labels: {kubernetes.io/service-name: app}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: offload, namespace: default}
        spec:
          tls: [{hosts: ["mydomain.test", "*.mydomain.test"], secretName: mydomain-tls}]
          rules:
            - host: "*.mydomain.test"
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: app, port: {name: http}}}}
            - host: mydomain.test
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: app, port: {name: http}}}}
        """
        .formatted(Manifests.tlsSecret("default", "mydomain-tls", offloadCert.chainPem(), offloadCert.keyPem()), app.port());
  }

  /**
   * The passthrough half: one Service per site with an {@code https} port (its TLS server) and an
   * {@code http} port (its own port 80), the two TLSPassthroughRoutes, and an Ingress without
   * {@code tls} that hands the sites' plain HTTP to their own HTTP ports.
   */
  static String siteManifests() {
    return site("site-a", backendA.port(), httpA.port())
        + site("site-b", backendB.port(), httpB.port())
        + """
        apiVersion: sluice.dev/v1alpha1
        kind: TLSPassthroughRoute
        metadata: {name: site-a, namespace: default}
        spec:
          hostnames: [%s, %s]
          backends: [{service: site-a, port: https}]
          proxyProtocol: V2
        ---
        apiVersion: sluice.dev/v1alpha1
        kind: TLSPassthroughRoute
        metadata: {name: site-b, namespace: default}
        spec:
          hostnames: [%s]
          backends: [{service: site-b, port: 443}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: sites-http, namespace: default}
        spec:
          rules:
            - host: %s
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: site-a, port: {name: http}}}}]
            - host: %s
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: site-a, port: {name: http}}}}]
            - host: %s
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: site-b, port: {number: 80}}}}]
        """
            .formatted(SUB1, SUB2, OTHER, SUB1, SUB2, OTHER);
  }

  static String site(String name, int httpsPort, int httpPort) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: default}
        spec:
          ports:
            - {name: https, port: 443, targetPort: https}
            - {name: http, port: 80, targetPort: http}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-1
          namespace: default
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports: [{name: https, port: %d}, {name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        """
        .formatted(name, name, name, httpsPort, httpPort);
  }


  @Test
  void everyManifestIsServedWithoutProblems() throws Exception {
    assertThat(sluice.log()).containsPattern("snapshot v\\d+, \\d+ routes").doesNotContainIgnoringCase("problem");
  }

  // --- HTTPS port: the SNI decides --------------------------------------------------------------

  @Test
  void passthroughHostsReachBackendAWithItsOwnCertificateAndAProxyV2HeaderNamingTheClient()
      throws Exception {
    for (String host : List.of(SUB1, SUB2)) {
      backendA.clearProxyHeaders();
      try (SSLSocket s = tlsFrom("127.0.0.2", host, siteCaA.clientContext())) {
        X509Certificate served = (X509Certificate) s.getSession().getPeerCertificates()[0];
        assertThat(TestCa.fingerprint(served)).isEqualTo(TestCa.fingerprint(TestCa.leaf(certA)));
        assertThat(request(s, host)).startsWith("HTTP/1.1 200").contains("backend=site-a");

        TlsBackend.ProxyHeader header = backendA.nextProxyHeader();
        assertThat(header).as("PROXY header at backend A for " + host).isNotNull();
        assertThat(header.version()).isEqualTo("V2");
        assertThat(header.source()).isEqualTo("127.0.0.2");
        assertThat(header.sourcePort()).isEqualTo(s.getLocalPort());
        assertThat(header.destination()).isEqualTo("127.0.0.1");
        assertThat(header.destinationPort()).isEqualTo(sluice.httpsPort());
      }
    }
  }

  @Test
  void curlAndOpensslSeeBackendAsCertificateForTheSecondPassthroughName() throws Exception {
    Commands.Result curl =
        Commands.curlHttps(SUB2, sluice.httpsPort(), "/", siteCaAPem.toString());
    assertThat(curl.exit()).as(curl.err()).isZero();
    assertThat(curl.out()).startsWith("HTTP/1.1 200").contains("backend=site-a");

    X509Certificate seen = sClient(SUB2);
    assertThat(TestCa.fingerprint(seen)).isEqualTo(TestCa.fingerprint(TestCa.leaf(certA)));
    // the offload CA does not vouch for it: Sluice never touched this handshake
    Commands.Result wrongCa =
        Commands.curlHttps(SUB2, sluice.httpsPort(), "/", offloadCaPem.toString());
    assertThat(wrongCa.exit()).isNotZero();
  }

  @Test
  void otherDomainPassesThroughToBackendBWithoutProxyHeader() throws Exception {
    // backend B reads no PROXY header: a header in front of its ClientHello would fail the handshake
    Commands.Result curl =
        Commands.curlHttps(OTHER, sluice.httpsPort(), "/b", siteCaBPem.toString());
    assertThat(curl.exit()).as(curl.err()).isZero();
    assertThat(curl.out()).startsWith("HTTP/1.1 200").contains("backend=site-b");
    assertThat(TestCa.fingerprint(sClient(OTHER)))
        .isEqualTo(TestCa.fingerprint(TestCa.leaf(certB)));
  }

  @Test
  void everyOtherHostIsTerminatedWithSluicesCertificateAndTheAppSeesTheClientAddress()
      throws Exception {
    X509Certificate offload = TestCa.leaf(offloadCert.certificate("offload"));
    for (String host : List.of(APP, "www.mydomain.test", "mydomain.test")) {
      assertThat(TestCa.fingerprint(sClient(host))).as(host).isEqualTo(TestCa.fingerprint(offload));
    }
    // a client-sent X-Forwarded-For is not believed (no trusted proxies): replaced by the peer
    Commands.Result curl =
        Commands.curlHttps(APP, sluice.httpsPort(), "/hello?x=1", offloadCaPem.toString(),
            "--interface", "127.0.0.3", "-H", "X-Forwarded-For: 6.6.6.6");
    assertThat(curl.exit()).as(curl.err()).isZero();
    assertThat(curl.out())
        .startsWith("HTTP/2 200")
        .containsIgnoringCase("strict-transport-security: max-age=31536000; includeSubDomains")
        .contains("backend: offload-app")
        .contains("request: GET /hello?x=1")
        .containsIgnoringCase("x-real-ip: 127.0.0.3")
        .containsIgnoringCase("x-forwarded-for: 127.0.0.3\n")
        .containsIgnoringCase("x-forwarded-proto: https")
        .containsIgnoringCase("x-forwarded-host: " + APP)
        .doesNotContain("6.6.6.6");
    // the passthrough sites' CA does not vouch for the offloaded name
    assertThat(Commands.curlHttps(APP, sluice.httpsPort(), "/", siteCaAPem.toString()).exit())
        .isNotZero();
    // ... and that client's alert is counted, not logged with a stack trace (TlsHandoff)
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !sluice.log().contains("exceptionCaught"));
  }

  @Test
  void aNameOutsideEveryRouteGetsTheDefaultCertificateAndNoBackend() throws Exception {
    X509Certificate seen = sClient("stranger.example.test");
    assertThat(seen.getSubjectX500Principal().getName()).contains("CN=sluice-default");
    Commands.Result curl =
        Commands.curlHttps("stranger.example.test", sluice.httpsPort(), "/", "/dev/null", "-k");
    assertThat(curl.out()).startsWith("HTTP/2 404").doesNotContain("backend");
  }

  // --- HTTP port --------------------------------------------------------------------------------

  @Test
  void plainHttpForOffloadedHostsRedirectsToTheHttpsPort() throws Exception {
    for (String host : List.of(APP, "mydomain.test")) {
      Curl.Result r = Curl.get(sluice.httpPort(), host, "/login?next=%2Fhome", "-i");
      assertThat(r.status()).as(r.body()).isEqualTo(301);
      assertThat(r.body())
          .containsIgnoringCase(
              "location: https://" + host + ":" + sluice.httpsPort() + "/login?next=%2Fhome")
          .doesNotContainIgnoringCase("x-site")
          .doesNotContainIgnoringCase("strict-transport-security");
    }
  }

  @Test
  void plainHttpForPassthroughSitesReachesTheirOwnHttpPorts() throws Exception {
    // the site's own redirect, untouched by Sluice (no Sluice port in it, its X-Site header)
    Curl.Result redirect = Curl.get(sluice.httpPort(), SUB1, "/page?a=b", "-i");
    assertThat(redirect.status()).as(redirect.body()).isEqualTo(301);
    assertThat(redirect.body())
        .containsIgnoringCase("x-site: site-a")
        .containsIgnoringCase("location: https://" + SUB1 + "/page?a=b")
        .contains("moved by site-a");

    // ACME HTTP-01 challenges reach the site that answers them
    for (String host : List.of(SUB1, SUB2)) {
      Curl.Result challenge =
          Curl.get(sluice.httpPort(), host, SiteHttpPort.CHALLENGE + "tok-" + host, "-i");
      assertThat(challenge.status()).as(challenge.body()).isEqualTo(200);
      assertThat(challenge.body()).endsWith("tok-" + host + ".site-a");
    }
    Curl.Result b = Curl.get(sluice.httpPort(), OTHER, SiteHttpPort.CHALLENGE + "tok-b", "-i");
    assertThat(b.status()).as(b.body()).isEqualTo(200);
    assertThat(b.body()).containsIgnoringCase("x-site: site-b").endsWith("tok-b.site-b");
  }

  // --- clients ----------------------------------------------------------------------------------

  /** A TLS connection to Sluice's HTTPS port from {@code localAddress}, with SNI {@code host}. */
  static SSLSocket tlsFrom(String localAddress, String host, SSLContext trust) throws Exception {
    Socket raw = new Socket();
    raw.bind(new InetSocketAddress(localAddress, 0));
    raw.connect(new InetSocketAddress("127.0.0.1", sluice.httpsPort()), 5_000);
    raw.setSoTimeout(10_000);
    SSLSocket s =
        (SSLSocket) trust.getSocketFactory().createSocket(raw, host, sluice.httpsPort(), true);
    SSLParameters p = s.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS"); // the name must match the certificate
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** One HTTP/1.1 request on {@code s}, the whole answer up to the connection's close. */
  static String request(SSLSocket s, String host) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    return in.lines().collect(Collectors.joining("\n"));
  }

  /** The certificate {@code openssl s_client -servername host} is shown. */
  static X509Certificate sClient(String host) throws Exception {
    Commands.Result r =
        Commands.run(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + sluice.httpsPort(),
                "-servername", host),
            "");
    return Commands.firstCertificate(r.out());
  }
}
