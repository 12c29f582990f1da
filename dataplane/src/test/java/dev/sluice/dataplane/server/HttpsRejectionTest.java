package dev.sluice.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.tls.ClientHelloRejection;
import dev.sluice.testing.Commands;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the HTTPS port does with clients that are not welcome: each is closed cleanly (the client
 * reads end-of-stream, not a hang) and counted by reason; no buffer leaks (checked for the class).
 */
class HttpsRejectionTest {
  static TestBackend app;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    TestCa ca = TestCa.create("Rejection CA");
    app = TestBackend.start("app");
    proxy = TestProxy.start(b -> b.tlsHandshakeTimeout(Duration.ofMillis(400)));
    proxy.publish(
        TestSnapshots.builder()
            .prefix("app.example.test", "/", app.endpoint())
            .certificate(ca.issueCertificate("default/app", "app.example.test"))
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
  }

  static long count(ClientHelloRejection r) {
    return proxy.server().clientHelloRejections().count(r);
  }

  @Test
  void plainHttpOnTheHttpsPortIsClosedAndCountedAsNotTls() throws Exception {
    long before = count(ClientHelloRejection.NOT_TLS);
    try (Socket s = new Socket("127.0.0.1", proxy.httpsPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await().until(() -> count(ClientHelloRejection.NOT_TLS) == before + 1);
  }

  @Test
  void truncatedClientHelloIsClosedAndCounted() throws Exception {
    long before = count(ClientHelloRejection.TRUNCATED);
    try (Socket s = new Socket("127.0.0.1", proxy.httpsPort())) {
      s.setSoTimeout(5000);
      // a handshake record announcing 256 bytes, a ClientHello header announcing 252, then 10 bytes
      byte[] partial = {
        0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, (byte) 0xfc, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8
      };
      s.getOutputStream().write(partial);
      s.shutdownOutput();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await().until(() -> count(ClientHelloRejection.TRUNCATED) == before + 1);
  }

  @Test
  void clientThatSendsNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
    long before = count(ClientHelloRejection.TIMEOUT);
    try (Socket s = new Socket("127.0.0.1", proxy.httpsPort())) {
      s.setSoTimeout(5000);
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
    }
    await().until(() -> count(ClientHelloRejection.TIMEOUT) == before + 1);
  }

  @Test
  void tls10OnlyClientGetsProtocolVersionAlertAndIsCounted() throws Exception {
    long before = count(ClientHelloRejection.PROTOCOL_VERSION);
    Commands.Result r =
        Commands.run(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(), "-tls1",
                "-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "app.example.test"),
            "");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err() + r.out()).contains("protocol version");
    await().until(() -> count(ClientHelloRejection.PROTOCOL_VERSION) == before + 1);
  }

  @Test
  void handshakeThatFindsNoSharedCipherIsClosedAndCounted() throws Exception {
    long before = proxy.server().tlsHandshakeFailures();
    // TLS 1.2 with a CBC suite only: the ClientHello is fine, the handshake cannot succeed
    Commands.Result r =
        Commands.run(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(), "-tls1_2",
                "-cipher", "AES128-SHA", "-servername", "app.example.test"),
            "");
    assertThat(r.exit()).isNotZero();
    await().until(() -> proxy.server().tlsHandshakeFailures() == before + 1);
    assertThat(proxy.server().clientHelloRejections().total()).isGreaterThanOrEqualTo(0);
  }
}
