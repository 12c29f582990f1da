package dev.sluice.dataplane.server;

import static dev.sluice.dataplane.server.HttpsListenerTest.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.testing.Commands;
import dev.sluice.testing.ProxyHeaderRelay;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import dev.sluice.testing.TlsBackend;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both listeners behind a load balancer that sends PROXY protocol headers: the client address it
 * carries becomes X-Forwarded-For / X-Real-IP of terminated and plain requests and the source of the
 * PROXY header a passthrough backend receives.
 */
class ProxyProtocolListenersTest {
  static final String HEADER = "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n";
  static TestCa ca;
  static TestBackend app;
  static TlsBackend pass;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    ca = TestCa.create("PP CA");
    Certificate appCert = ca.issueCertificate("default/app", "app.example.test");
    app = TestBackend.start("app");
    pass = TlsBackend.start("pass", ca.issueCertificate("backend/pass", "pass.example.test"), true);
    proxy =
        TestProxy.start(
            b -> b.proxyProtocol(new ProxyProtocolSettings(true, List.of("127.0.0.0/8"))));
    proxy.publish(
        TestSnapshots.builder()
            .prefix("app.example.test", "/", app.endpoint())
            .passthrough("default/pass", List.of("pass.example.test"), ProxyProtocol.V2, pass.endpoint())
            .certificate(appCert)
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
    pass.close();
  }

  @Test
  void terminatedRequestCarriesTheAddressFromTheIncomingProxyHeader() throws Exception {
    try (SSLSocket s = tlsAfterProxyHeader("app.example.test")) {
      assertThat(exchange(s.getOutputStream(), s.getInputStream(), "app.example.test", "/echo"))
          .startsWith("HTTP/1.1 200")
          .contains("\"x-forwarded-for\":\"203.0.113.7\"")
          .contains("\"x-real-ip\":\"203.0.113.7\"")
          .contains("\"x-forwarded-proto\":\"https\"")
          .contains("\"x-forwarded-port\":\"443\"");
    }
  }

  @Test
  void passthroughBackendGetsTheIncomingClientAddressInItsProxyHeader() throws Exception {
    pass.clearProxyHeaders();
    try (SSLSocket s = tlsAfterProxyHeader("pass.example.test")) {
      assertThat(exchange(s.getOutputStream(), s.getInputStream(), "pass.example.test", "/"))
          .endsWith("backend=pass\n");
    }
    TlsBackend.ProxyHeader h = pass.nextProxyHeader();
    assertThat(h.version()).isEqualTo("V2");
    assertThat(h.source()).isEqualTo("203.0.113.7");
    assertThat(h.sourcePort()).isEqualTo(40000);
    assertThat(h.destination()).isEqualTo("198.51.100.1");
    assertThat(h.destinationPort()).isEqualTo(443);
  }

  @Test
  void h2StreamsCarryTheAddressFromTheIncomingProxyHeader(@TempDir Path dir) throws Exception {
    String caPem = ca.writePem(dir.resolve("ca.pem")).toString();
    try (ProxyHeaderRelay lb = ProxyHeaderRelay.start(proxy.httpsPort(), HEADER)) {
      // the addresses live on the connection; each h2 stream channel inherits them
      Commands.Result r =
          Commands.curlHttps("app.example.test", lb.port(), "/echo", caPem, "--http2");
      assertThat(r.out())
          .as(r.err())
          .startsWith("HTTP/2 200")
          .contains("\"x-forwarded-for\":\"203.0.113.7\"")
          .contains("\"x-real-ip\":\"203.0.113.7\"")
          .contains("\"x-forwarded-port\":\"443\"");
    }
  }

  @Test
  void plainHttpRequestCarriesTheAddressFromTheIncomingProxyHeader() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(HEADER.getBytes(StandardCharsets.US_ASCII));
      Thread.sleep(50);
      assertThat(exchange(s.getOutputStream(), s.getInputStream(), "app.example.test", "/echo"))
          .contains("\"x-forwarded-for\":\"203.0.113.7\"")
          .contains("\"x-forwarded-proto\":\"http\"");
    }
  }

  @Test
  void tlsWithoutTheRequiredHeaderIsClosed() throws Exception {
    try (Socket raw = new Socket("127.0.0.1", proxy.httpsPort())) {
      raw.setSoTimeout(5000);
      SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket(raw, "app.example.test", proxy.httpsPort(), true);
      org.assertj.core.api.Assertions.assertThatThrownBy(s::startHandshake)
          .isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void untrustedPeersAreClosedWithoutUnbalancingTheConnectionGauges() throws Exception {
    try (TestProxy strict =
        TestProxy.start(
            b -> b.proxyProtocol(new ProxyProtocolSettings(true, List.of("10.0.0.0/8"))))) {
      for (int port : new int[] {strict.port(), strict.httpsPort()}) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setSoTimeout(5000);
          assertThat(s.getInputStream().read()).isEqualTo(-1); // closed while being set up
        }
      }
      var untrusted =
          strict.metrics().get("sluice_proxy_protocol_rejected_total").tag("reason", "untrusted");
      await().atMost(Duration.ofSeconds(5)).until(() -> untrusted.counter().count() == 2);
      // closed before they became active: no channelActive, but a channelInactive to ignore
      for (String listener : List.of("http", "https")) {
        var active = strict.metrics().get(DownstreamTraffic.ACTIVE).tag("listener", listener).gauge();
        await()
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(3))
            .until(() -> active.value() == 0);
      }
    }
  }

  static SSLSocket tlsAfterProxyHeader(String sni) throws Exception {
    Socket raw = new Socket("127.0.0.1", proxy.httpsPort());
    raw.setSoTimeout(5000);
    raw.getOutputStream().write(HEADER.getBytes(StandardCharsets.US_ASCII));
    Thread.sleep(50); // the header alone in its own read: nothing may wait for more bytes
    SSLSocket s =
        (SSLSocket) ca.clientContext().getSocketFactory().createSocket(raw, sni, proxy.httpsPort(), true);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }
}
