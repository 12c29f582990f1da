package dev.sluice.dataplane.server;

import static dev.sluice.dataplane.server.HttpsListenerTest.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import dev.sluice.testing.TlsBackend;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** A host moved from termination to passthrough by a new snapshot. */
class HttpsSnapshotSwitchTest {

  @Test
  void hostSwitchedToPassthroughAppliesToNewConnectionsWhileOpenOnesKeepWorking() throws Exception {
    TestCa ca = TestCa.create("Switch CA");
    Certificate sluiceCert = ca.issueCertificate("default/app", "app.example.test");
    Certificate backendCert = ca.issueCertificate("backend/app", "app.example.test");
    try (TestBackend http = TestBackend.start("http");
        TlsBackend tls = TlsBackend.start("tls", backendCert, false);
        TestProxy proxy = TestProxy.start(b -> b)) {
      proxy.publish(
          TestSnapshots.builder()
              .prefix("app.example.test", "/", http.endpoint())
              .certificate(sluiceCert)
              .build());
      try (SSLSocket before = socket(ca, proxy.httpsPort())) {
        assertThat(exchange(before.getOutputStream(), before.getInputStream(), "app.example.test", "/echo"))
            .startsWith("HTTP/1.1 200")
            .contains("\"x-forwarded-proto\":\"https\"");
        assertThat(peer(before)).isEqualTo(TestCa.leaf(sluiceCert));

        proxy.publish(
            TestSnapshots.builder()
                .prefix("app.example.test", "/", http.endpoint())
                .passthrough("default/app", List.of("app.example.test"), ProxyProtocol.NONE, tls.endpoint())
                .certificate(sluiceCert)
                .build());

        try (SSLSocket after = socket(ca, proxy.httpsPort())) {
          assertThat(peer(after)).isEqualTo(TestCa.leaf(backendCert));
          assertThat(exchange(after.getOutputStream(), after.getInputStream(), "app.example.test", "/"))
              .startsWith("HTTP/1.1 200")
              .endsWith("backend=tls\n");
        }
        // the connection terminated before the switch is still served, by the HTTP route
        assertThat(exchange(before.getOutputStream(), before.getInputStream(), "app.example.test", "/echo"))
            .startsWith("HTTP/1.1 200")
            .contains("x-backend: http");
      }
    }
  }

  static SSLSocket socket(TestCa ca, int port) throws Exception {
    SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName("app.example.test")));
    p.setApplicationProtocols(new String[] {"http/1.1"});
    s.setSSLParameters(p);
    s.setSoTimeout(5000);
    s.startHandshake();
    return s;
  }

  static X509Certificate peer(SSLSocket s) throws Exception {
    return (X509Certificate) s.getSession().getPeerCertificates()[0];
  }
}
