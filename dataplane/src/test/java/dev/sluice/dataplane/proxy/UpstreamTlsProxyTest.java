package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTPS upstreams through the real proxy, against real TLS backends on loopback whose certificates
 * are issued at test time by {@link TestCa}s.
 */
class UpstreamTlsProxyTest {
  static final String NAME = "backend.test";
  static TestCa ca;
  static TestCa otherCa;
  static TestProxy proxy;
  private final List<TestBackend> backends = new ArrayList<>();

  @BeforeAll
  static void start() {
    ca = TestCa.create("sluice test CA");
    otherCa = TestCa.create("some other CA");
    proxy = TestProxy.start();
  }

  @AfterAll
  static void stop() {
    proxy.close();
  }

  @AfterEach
  void closeBackends() {
    backends.forEach(TestBackend::close);
  }

  private TestBackend tlsBackend(String name, TestCa.Issued cert) {
    TestBackend b = TestBackend.startTls(name, cert);
    backends.add(b);
    return b;
  }

  @Test
  void verifiedAgainstTheRightCaAnswers200AndSendsTheConfiguredSni() throws Exception {
    TestBackend b = tlsBackend("secure", ca.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("*", "/", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .build());
    RawHttp.Response r = RawHttp.get(proxy.port(), "app.test", "/echo");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).contains("\"backend\":\"secure\"").contains("\"tls\":\"" + NAME + "\"");
    assertThat(b.sniNames()).containsExactly(NAME);
  }

  @Test
  void certificateFromAnotherCaAnswers502CountedAsUpstreamTlsAndLoggedOnceWithoutStackTrace()
      throws Exception {
    TestBackend b = tlsBackend("untrusted", otherCa.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("*", "/", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .build());
    double before = proxy.errors("upstream_tls");
    String log;
    RawHttp.Response r;
    try (StderrCapture capture = new StderrCapture()) {
      r = RawHttp.get(proxy.port(), "app.test", "/echo?case=wrong-ca");
      log = capture.text();
    }
    assertThat(r.status()).isEqualTo(502);
    assertThat(proxy.errors("upstream_tls") - before).isEqualTo(1);
    assertThat(b.requests()).isZero();
    List<String> lines = log.lines().filter(l -> l.contains("case=wrong-ca")).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("502 upstream_tls").contains("certification path");
    assertThat(log).doesNotContain("\tat ");
  }

  @Test
  void serverNameTheCertificateDoesNotCoverAnswers502() throws Exception {
    TestBackend b = tlsBackend("misnamed", ca.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("*", "/", new UpstreamTls(true, ca.pem(), "other.test"), b.endpoint())
            .build());
    RawHttp.Response r;
    String log;
    try (StderrCapture capture = new StderrCapture()) {
      r = RawHttp.get(proxy.port(), "app.test", "/echo?case=misnamed");
      log = capture.text();
    }
    assertThat(r.status()).isEqualTo(502);
    assertThat(log).contains("case=misnamed").contains("other.test");
    assertThat(b.sniNames()).containsExactly("other.test");
    assertThat(b.requests()).isZero();
  }

  @Test
  void ipEndpointWithoutServerNameVerifiesTheChainOnlyAndSendsNoSni() throws Exception {
    TestBackend good = tlsBackend("chain-ok", ca.issue(NAME));
    TestBackend bad = tlsBackend("chain-bad", otherCa.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("good.test", "/", new UpstreamTls(true, ca.pem(), null), good.endpoint())
            .prefixTls("bad.test", "/", new UpstreamTls(true, ca.pem(), null), bad.endpoint())
            .build());
    assertThat(RawHttp.get(proxy.port(), "good.test", "/echo").status()).isEqualTo(200);
    assertThat(good.sniNames()).containsExactly("");
    assertThat(RawHttp.get(proxy.port(), "bad.test", "/echo").status()).isEqualTo(502);
  }

  @Test
  void verificationOffAcceptsASelfSignedBackend() throws Exception {
    TestCa selfSigned = TestCa.create("self");
    TestBackend b = tlsBackend("self-signed", selfSigned.issue("whatever.invalid"));
    proxy.publish(
        TestSnapshots.builder().prefixTls("*", "/", UpstreamTls.INSECURE, b.endpoint()).build());
    RawHttp.Response r = RawHttp.get(proxy.port(), "app.test", "/echo");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).contains("\"backend\":\"self-signed\"");
  }

  @Test
  void fiftySequentialRequestsReuseOneTlsConnection() throws Exception {
    TestBackend b = tlsBackend("keepalive", ca.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("*", "/", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .build());
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < 50; i++) {
        RawHttp.Response r = client.send("GET /echo?i=" + i + " HTTP/1.1\r\nHost: a.test\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).contains("\"uri\":\"/echo?i=" + i + "\"");
      }
    }
    assertThat(b.requests()).isEqualTo(50);
    assertThat(b.connections()).isEqualTo(1);
    assertThat(b.tlsConnections()).isEqualTo(1);
  }

  @Test
  void plainAndTlsConnectionsToTheSameAddressArePooledApart() throws Exception {
    TestBackend b = TestBackend.startTlsOrPlain("both", ca.issue(NAME));
    backends.add(b);
    proxy.publish(
        TestSnapshots.builder()
            .prefix("*", "/plain", b.endpoint())
            .prefixTls("*", "/tls", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .prefixTls("*", "/insecure", UpstreamTls.INSECURE, b.endpoint())
            .build());
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < 6; i++) {
        String plain = client.send("GET /plain HTTP/1.1\r\nHost: a.test\r\n\r\n").read().bodyText();
        assertThat(plain).doesNotContain("\"tls\"");
        String tls = client.send("GET /tls HTTP/1.1\r\nHost: a.test\r\n\r\n").read().bodyText();
        assertThat(tls).contains("\"tls\":\"" + NAME + "\"");
        String insecure =
            client.send("GET /insecure HTTP/1.1\r\nHost: a.test\r\n\r\n").read().bodyText();
        assertThat(insecure).contains("\"tls\":\"\"");
      }
    }
    // one connection per transport identity: plain, TLS verified with SNI, TLS unverified
    assertThat(b.requests()).isEqualTo(18);
    assertThat(b.connections()).isEqualTo(3);
    assertThat(b.tlsConnections()).isEqualTo(2);
  }

  @Test
  void unreadableCaBundleFailsOnlyItsRoute() throws Exception {
    TestBackend b = tlsBackend("fine", ca.issue(NAME));
    String garbage = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("broken.test", "/", new UpstreamTls(true, garbage, NAME), b.endpoint())
            .prefixTls("fine.test", "/", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .build());
    assertThat(RawHttp.get(proxy.port(), "broken.test", "/echo").status()).isEqualTo(502);
    assertThat(RawHttp.get(proxy.port(), "fine.test", "/echo").status()).isEqualTo(200);
    assertThat(b.tlsConnections()).isEqualTo(1);
  }

  @Test
  void webSocketUpgradeWorksOverTls() throws Exception {
    TestBackend b = tlsBackend("ws", ca.issue(NAME));
    proxy.publish(
        TestSnapshots.builder()
            .prefixTls("*", "/", new UpstreamTls(true, ca.pem(), NAME), b.endpoint())
            .build());
    var ws =
        java.net.http.HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                java.net.URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"),
                new java.net.http.WebSocket.Listener() {
                  final StringBuilder text = new StringBuilder();

                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      received.complete(text.toString());
                    }
                    w.request(1);
                    return null;
                  }
                })
            .get(5, java.util.concurrent.TimeUnit.SECONDS);
    ws.sendText("hello over tls", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(received.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("hello over tls");
    ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(b.sniNames()).containsExactly(NAME);
  }

  private final java.util.concurrent.CompletableFuture<String> received =
      new java.util.concurrent.CompletableFuture<>();

  /**
   * Copies what is written to {@code System.err} (where slf4j-simple logs, looking the stream up
   * on every write) while open, and still passes it on.
   */
  static final class StderrCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    StderrCapture() {
      System.setErr(
          new PrintStream(
              new OutputStream() {
                @Override
                public void write(int b) {
                  synchronized (copy) {
                    copy.write(b);
                  }
                  original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                  synchronized (copy) {
                    copy.write(b, off, len);
                  }
                  original.write(b, off, len);
                }
              },
              true,
              StandardCharsets.UTF_8));
    }

    /** What was logged so far (the proxy logs an error before it answers the client). */
    String text() {
      synchronized (copy) {
        return copy.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
