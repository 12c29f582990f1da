package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.tls.DefaultCertificate;
import dev.sluice.testing.Commands;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import dev.sluice.testing.TlsBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One HTTPS port serving SNI passthrough ({@code pass.example.test}, {@code *.wild.example.test})
 * and TLS termination ({@code app.example.test}) side by side, with real clients: curl, openssl
 * s_client and the JDK's HttpClient, all trusting a CA made for the test.
 */
class HttpsListenerTest {
  @TempDir static Path dir;
  static TestCa ca;
  static String caPem;
  static Certificate appCert;
  static Certificate passCert;
  static Certificate wildCert;
  static TestBackend app;
  static TlsBackend pass;
  static TlsBackend wild;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("Sluice Test CA");
    caPem = ca.writePem(dir.resolve("ca.pem")).toString();
    appCert = ca.issueCertificate("default/app-tls", "app.example.test");
    passCert = ca.issueCertificate("backend/pass", "pass.example.test");
    wildCert = ca.issueCertificate("backend/wild", "*.wild.example.test");
    app = TestBackend.start("app");
    pass = TlsBackend.start("pass", passCert, true);
    wild = TlsBackend.start("wild", wildCert, true);
    proxy = TestProxy.start(b -> b);
    proxy.publish(snapshot());
  }

  static dev.sluice.dataplane.snapshot.Snapshot snapshot() {
    return TestSnapshots.builder()
        .prefix("app.example.test", "/", RoutePolicy.DEFAULT.withSslRedirect(true), app.endpoint())
        .prefix("plain.example.test", "/", app.endpoint())
        .passthrough("default/pass", List.of("pass.example.test"), ProxyProtocol.V1, pass.endpoint())
        .passthrough("default/wild", List.of("*.wild.example.test"), ProxyProtocol.V2, wild.endpoint())
        .certificate(appCert)
        .build();
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
    pass.close();
    wild.close();
  }

  // ---- which certificate the client sees ----

  @Test
  void terminatedHostShowsSluiceCertificateAndPassthroughHostsShowTheirBackends() throws Exception {
    assertThat(fingerprint(sClient("app.example.test"))).isEqualTo(fingerprint(appCert));
    assertThat(fingerprint(sClient("pass.example.test"))).isEqualTo(fingerprint(passCert));
    assertThat(fingerprint(sClient("a.wild.example.test"))).isEqualTo(fingerprint(wildCert));
    // the wildcard is one label deep: a.b.wild... is terminated here with the default certificate
    assertThat(sClient("a.b.wild.example.test").getSubjectX500Principal().getName())
        .isEqualTo("CN=" + DefaultCertificate.COMMON_NAME);
  }

  @Test
  void noSniAndUnknownSniGetTheGeneratedDefaultCertificate() throws Exception {
    X509Certificate noSni = sClient(null);
    assertThat(DefaultCertificate.fingerprint(noSni))
        .isEqualTo(DefaultCertificate.fingerprint(DefaultCertificate.shared()));
    X509Certificate unknown = sClient("nobody.example.test");
    assertThat(DefaultCertificate.fingerprint(unknown))
        .isEqualTo(DefaultCertificate.fingerprint(DefaultCertificate.shared()));
  }

  @Test
  void opensslNegotiatesH2ByAlpnAndVerifiesTheChain() throws Exception {
    Commands.Result r =
        Commands.run(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                "-servername", "app.example.test", "-alpn", "h2,http/1.1", "-CAfile", caPem,
                "-verify_hostname", "app.example.test"),
            "");
    assertThat(r.out()).contains("ALPN protocol: h2").contains("Verify return code: 0 (ok)");
  }

  @Test
  void acmeTlsWithoutAPendingChallengeIsNotNegotiated() throws Exception {
    Commands.Result r =
        Commands.run(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                "-servername", "app.example.test", "-alpn", "acme-tls/1"),
            "");
    assertThat(fingerprint(Commands.firstCertificate(r.out()))).isEqualTo(fingerprint(appCert));
    assertThat(r.out()).contains("No ALPN negotiated");
  }

  @Test
  void tlsAlpn01ValidationGetsTheChallengeCertificateAndOrdinaryClientsDoNot() throws Exception {
    Certificate challenge = ca.issueCertificate("acme-tls-alpn-01/app.example.test", "app.example.test");
    dev.sluice.dataplane.snapshot.Snapshot base = snapshot();
    proxy.publish(
        new dev.sluice.dataplane.snapshot.Snapshot(
            base.version() + 1,
            base.builtAt(),
            base.virtualHosts(),
            base.passthrough(),
            base.certificates(),
            new AcmeChallenges(Map.of(), Map.of("app.example.test", challenge))));
    try {
      Commands.Result r =
          Commands.run(
              List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                  "-servername", "app.example.test", "-alpn", "acme-tls/1"),
              "");
      assertThat(fingerprint(Commands.firstCertificate(r.out()))).isEqualTo(fingerprint(challenge));
      assertThat(r.out()).contains("ALPN protocol: acme-tls/1");
      // a browser for the same name meanwhile gets the real certificate
      assertThat(fingerprint(sClient("app.example.test"))).isEqualTo(fingerprint(appCert));
    } finally {
      proxy.publish(snapshot());
    }
  }

  // ---- requests through both paths ----

  @Test
  void curlThroughTerminationReachesTheHttpBackendWithHttpsForwardedHeadersAndHsts()
      throws Exception {
    Commands.Result r =
        Commands.curlHttps("app.example.test", proxy.httpsPort(), "/echo?x=1", caPem, "--http1.1");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("HTTP/1.1 200")
        .containsIgnoringCase("strict-transport-security: max-age=31536000; includeSubDomains")
        .contains("\"x-forwarded-proto\":\"https\"")
        .contains("\"x-forwarded-for\":\"127.0.0.1\"")
        .contains("\"x-forwarded-port\":\"" + proxy.httpsPort() + "\"");
  }

  @Test
  void upstreamsOwnHstsIsKept() throws Exception {
    Commands.Result r =
        Commands.curlHttps("app.example.test", proxy.httpsPort(), "/echo?sts=max-age=60", caPem);
    assertThat(r.out()).containsIgnoringCase("strict-transport-security: max-age=60\r\n");
    assertThat(r.out().toLowerCase()).containsOnlyOnce("strict-transport-security");
  }

  @Test
  void curlThroughPassthroughReachesTheTlsBackendsWithProxyHeaders() throws Exception {
    pass.clearProxyHeaders();
    wild.clearProxyHeaders();
    Commands.Result r = Commands.curlHttps("pass.example.test", proxy.httpsPort(), "/", caPem);
    assertThat(r.out()).as(r.err()).startsWith("HTTP/1.1 200").contains("backend=pass");
    assertThat(r.out().toLowerCase()).doesNotContain("strict-transport-security");
    TlsBackend.ProxyHeader v1 = pass.nextProxyHeader();
    assertThat(v1.version()).isEqualTo("V1");
    assertThat(v1.source()).isEqualTo("127.0.0.1");
    assertThat(v1.destinationPort()).isEqualTo(proxy.httpsPort());

    Commands.Result w = Commands.curlHttps("x.wild.example.test", proxy.httpsPort(), "/", caPem);
    assertThat(w.out()).as(w.err()).startsWith("HTTP/1.1 200").contains("backend=wild");
    TlsBackend.ProxyHeader v2 = wild.nextProxyHeader();
    assertThat(v2.version()).isEqualTo("V2");
    assertThat(v2.protocol()).isEqualTo("TCP4");
    assertThat(v2.source()).isEqualTo("127.0.0.1");
  }

  /**
   * On epoll the passthrough bytes are spliced past the pipeline; they are still counted: per route,
   * and in the listener's downstream traffic (received from and sent to clients).
   */
  @Test
  void splicedPassthroughBytesAreCounted() throws Exception {
    assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "epoll not available");
    double spliced = passCount("sluice_passthrough_spliced_total");
    double up = passCount("sluice_passthrough_bytes_total", "direction", "upstream");
    double down = passCount("sluice_passthrough_bytes_total", "direction", "downstream");
    double received = count(DownstreamTraffic.RECEIVED, "listener", "https");
    double sent = count(DownstreamTraffic.SENT, "listener", "https");
    Commands.Result r = Commands.curlHttps("pass.example.test", proxy.httpsPort(), "/", caPem);
    assertThat(r.out()).as(r.err()).startsWith("HTTP/1.1 200").contains("backend=pass");
    pass.nextProxyHeader();
    for (int i = 0; i < 100 && passCount("sluice_passthrough_spliced_total") == spliced; i++) {
      Thread.sleep(20);
    }
    assertThat(passCount("sluice_passthrough_spliced_total")).isEqualTo(spliced + 1);
    double upDelta = passCount("sluice_passthrough_bytes_total", "direction", "upstream") - up;
    double downDelta = passCount("sluice_passthrough_bytes_total", "direction", "downstream") - down;
    // A TLS session each way: at least a ClientHello up and a certificate down.
    assertThat(upDelta).isGreaterThan(200);
    assertThat(downDelta).isGreaterThan(500);
    assertThat(count(DownstreamTraffic.RECEIVED, "listener", "https") - received)
        .isGreaterThanOrEqualTo(upDelta);
    assertThat(count(DownstreamTraffic.SENT, "listener", "https") - sent)
        .isGreaterThanOrEqualTo(downDelta);
  }

  private static double passCount(String name, String... tags) {
    String[] all = new String[tags.length + 2];
    all[0] = "route";
    all[1] = "default/pass";
    System.arraycopy(tags, 0, all, 2, tags.length);
    return count(name, all);
  }

  private static double count(String name, String... tags) {
    var c = proxy.metrics().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void passthroughProxyHeaderCarriesTheClientsRealPort() throws Exception {
    pass.clearProxyHeaders();
    try (SSLSocket s = tlsSocket(proxy.httpsPort(), "pass.example.test")) {
      s.startHandshake();
      assertThat(fingerprint((X509Certificate) s.getSession().getPeerCertificates()[0]))
          .isEqualTo(fingerprint(passCert));
      TlsBackend.ProxyHeader h = pass.nextProxyHeader();
      assertThat(h.source()).isEqualTo("127.0.0.1");
      assertThat(h.sourcePort()).isEqualTo(s.getLocalPort());
      assertThat(h.destination()).isEqualTo("127.0.0.1");
      assertThat(h.destinationPort()).isEqualTo(proxy.httpsPort());
    }
  }

  @Test
  void jdkHttpClientGetsH2OverAlpnWithSluicesCertificate() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext()).build();
    try (client) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("https://app.example.test:" + proxy.httpsPort() + "/echo"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2); // offered h2 first, got it
      assertThat(r.headers().firstValue("strict-transport-security")).isPresent();
      X509Certificate peer = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
      assertThat(fingerprint(peer)).isEqualTo(fingerprint(appCert));
      HttpResponse<String> passed =
          client.send(
              HttpRequest.newBuilder(URI.create("https://pass.example.test:" + proxy.httpsPort() + "/"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(passed.body()).isEqualTo("backend=pass\n");
      pass.nextProxyHeader();
    }
  }

  // ---- plain HTTP: redirect, and never HSTS ----

  @Test
  void plainHttpIsRedirectedToHttpsForRoutesWithSslRedirect() throws Exception {
    String base = "http://127.0.0.1:" + proxy.port();
    Commands.Result get =
        Commands.run(List.of("curl", "-sS", "-i", "-H", "Host: app.example.test", base + "/a/b?q=1&r=2"), "");
    assertThat(get.out())
        .startsWith("HTTP/1.1 301")
        .contains("location: https://app.example.test:" + proxy.httpsPort() + "/a/b?q=1&r=2")
        .doesNotContainIgnoringCase("strict-transport-security");
    Commands.Result post =
        Commands.run(
            List.of("curl", "-sS", "-i", "-H", "Host: APP.example.test:" + proxy.port(), "-d", "x=1",
                base + "/form"),
            "");
    assertThat(post.out())
        .startsWith("HTTP/1.1 308")
        .contains("location: https://APP.example.test:" + proxy.httpsPort() + "/form");
    // following the redirect with curl lands on the terminated host
    Commands.Result followed =
        Commands.run(
            List.of("curl", "-sS", "-L", "--cacert", caPem, "--resolve",
                "app.example.test:" + proxy.httpsPort() + ":127.0.0.1", "-H", "Host: app.example.test",
                base + "/echo"),
            "");
    assertThat(followed.out()).contains("\"x-forwarded-proto\":\"https\"");
  }

  @Test
  void acmeChallengePathAndRoutesWithoutRedirectAreServedOverPlainHttpWithoutHsts() throws Exception {
    String base = "http://127.0.0.1:" + proxy.port();
    Commands.Result acme =
        Commands.run(
            List.of("curl", "-sS", "-i", "-H", "Host: app.example.test",
                base + "/.well-known/acme-challenge/token123"),
            "");
    assertThat(acme.out()).startsWith("HTTP/1.1 200").contains("\"x-forwarded-proto\":\"http\"");
    assertThat(acme.out().toLowerCase()).doesNotContain("strict-transport-security");
    Commands.Result plain =
        Commands.run(List.of("curl", "-sS", "-i", "-H", "Host: plain.example.test", base + "/x"), "");
    assertThat(plain.out()).startsWith("HTTP/1.1 200");
    assertThat(plain.out().toLowerCase()).doesNotContain("strict-transport-security");
  }

  @Test
  void requestGuardsApplyToHttp1AfterTlsAsOnThePlainPort() throws Exception {
    StringBuilder head = new StringBuilder("GET /echo HTTP/1.1\r\nHost: app.example.test\r\n");
    for (int i = 0; i < 150; i++) {
      head.append("X-H").append(i).append(": v\r\n"); // over the default 100 header lines
    }
    head.append("\r\n");
    double before = proxy.errors("too_many_headers");
    try (SSLSocket s = tlsSocket(proxy.httpsPort(), "app.example.test")) {
      s.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] status = s.getInputStream().readNBytes(12);
      assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 431");
    }
    assertThat(proxy.errors("too_many_headers")).isEqualTo(before + 1);
  }

  // ---- helpers ----

  /** The certificate {@code openssl s_client} was shown ({@code sni} null: no SNI at all). */
  static X509Certificate sClient(String sni) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort()));
    if (sni == null) {
      cmd.add("-noservername");
    } else {
      cmd.addAll(List.of("-servername", sni));
    }
    Commands.Result r = Commands.run(cmd, "");
    return Commands.firstCertificate(r.out());
  }

  static SSLSocket tlsSocket(int port, String sni) throws Exception {
    SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    s.setSSLParameters(p);
    s.setSoTimeout(5000);
    return s;
  }

  static String fingerprint(Certificate c) {
    return TestCa.fingerprint(TestCa.leaf(c));
  }

  static String fingerprint(X509Certificate c) {
    return TestCa.fingerprint(c);
  }

  /** Sends one request on an open socket and reads one Content-Length response. */
  static String exchange(OutputStream out, InputStream in, String host, String path) throws Exception {
    out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("closed after: " + head);
      }
      head.append((char) b);
    }
    int cl = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        cl = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(cl);
    return head + new String(body, StandardCharsets.UTF_8);
  }
}
