package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.Commands;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTPS port's front door against handshake abuse, over real sockets: a cap on TLS handshakes
 * in progress ({@link HandshakeLimiter}), and the TLS engine's refusal of client-initiated
 * renegotiation and of TLS compression, shown with {@code openssl s_client}.
 */
class TlsFrontDoorTest {
  static final String HOST = "app.example.test";
  static final int MAX_HANDSHAKES = 2;

  static TestBackend app;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    TestCa ca = TestCa.create("Front door CA");
    app = TestBackend.start("app");
    proxy =
        TestProxy.start(
            b ->
                b.requestHeaderTimeout(Duration.ofSeconds(3))
                    .idleTimeout(Duration.ofSeconds(3))
                    .limits(Limits.builder().maxTlsHandshakes(MAX_HANDSHAKES).build()));
    proxy.publish(
        TestSnapshots.builder()
            .prefix(HOST, "/", app.endpoint())
            .certificate(ca.issueCertificate("default/app", HOST))
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    app.close();
  }

  static long rejected() {
    return proxy.server().clientHelloRejections().count(ClientHelloRejection.TOO_MANY_HANDSHAKES);
  }

  /** Opens a connection, sends a ClientHello and then stalls (never finishes the handshake). */
  static Socket stalledHandshake() throws Exception {
    Socket s = new Socket("127.0.0.1", proxy.httpsPort());
    s.setSoTimeout(5000);
    s.getOutputStream().write(ClientHellos.fromJdk(HOST, List.of()));
    s.getOutputStream().flush();
    return s;
  }

  /** True when the server closed the connection without answering (end of stream or reset). */
  static boolean closedWithoutAnswer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Test
  void handshakesOverTheCapAreClosedAfterTheClientHelloAndSlotsComeBack() throws Exception {
    long before = rejected();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_HANDSHAKES; i++) {
        Socket s = stalledHandshake();
        stalled.add(s);
        // the server answers (ServerHello, a handshake record): this handshake is in progress
        assertThat(s.getInputStream().read()).isEqualTo(0x16);
      }
      await().until(() -> proxy.server().tlsHandshakesInProgress() == MAX_HANDSHAKES);

      for (int i = 0; i < 3; i++) {
        try (Socket over = stalledHandshake()) {
          assertThat(closedWithoutAnswer(over)).isTrue();
        }
      }
      await().until(() -> rejected() == before + 3);
      assertThat(proxy.server().tlsHandshakesInProgress()).isEqualTo(MAX_HANDSHAKES);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
    // the stalled clients went away: their slots are given back, new handshakes proceed
    await().until(() -> proxy.server().tlsHandshakesInProgress() == 0);
    try (Socket again = stalledHandshake()) {
      assertThat(again.getInputStream().read()).isEqualTo(0x16);
    }
    await().until(() -> proxy.server().tlsHandshakesInProgress() == 0);
    // a complete handshake holds its slot only while it runs
    Commands.Result ok = sClient(List.of("-tls1_3"), "Q\n");
    assertThat(ok.out()).contains("TLSv1.3");
    await().until(() -> proxy.server().tlsHandshakesInProgress() == 0);
  }

  @Test
  void serverNamesOver255BytesOrWithBadCharactersAreClosedOverARealSocket() throws Exception {
    long before = proxy.server().clientHelloRejections().count(ClientHelloRejection.INVALID_SERVER_NAME);
    List<String> names =
        List.of("a".repeat(300), "evil\u0000.test", "under_score.test", "sp ace.test");
    for (String name : names) {
      try (Socket s = new Socket("127.0.0.1", proxy.httpsPort())) {
        s.setSoTimeout(5000);
        s.getOutputStream()
            .write(ClientHellos.record(ClientHellos.body(0x0303, ClientHellos.sni(name))));
        assertThat(closedWithoutAnswer(s)).as(name).isTrue();
      }
    }
    await()
        .until(
            () ->
                proxy.server().clientHelloRejections().count(ClientHelloRejection.INVALID_SERVER_NAME)
                    == before + names.size());
  }

  @Test
  void handshakeStalledAfterTheClientHelloIsClosedAtTheHandshakeTimeoutAndItsSlotFreed()
      throws Exception {
    TestCa ca = TestCa.create("Timeout CA");
    try (TestProxy quick = TestProxy.start(b -> b.tlsHandshakeTimeout(Duration.ofMillis(500)))) {
      quick.publish(
          TestSnapshots.builder()
              .prefix(HOST, "/", app.endpoint())
              .certificate(ca.issueCertificate("default/app", HOST))
              .build());
      try (Socket s = new Socket("127.0.0.1", quick.httpsPort())) {
        s.setSoTimeout(5000);
        s.getOutputStream().write(ClientHellos.fromJdk(HOST, List.of()));
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(0x16); // ServerHello: the handshake started
        await().until(() -> quick.server().tlsHandshakesInProgress() == 1);
        // the client never answers; the server gives up and closes
        try {
          while (in.read() != -1) {
            // the rest of the server's flight
          }
        } catch (SocketException reset) {
          // closed either way
        }
      }
      await().until(() -> quick.server().tlsHandshakeFailures() == 1);
      assertThat(quick.server().tlsHandshakesInProgress()).isZero();
    }
  }

  @Test
  void clientInitiatedRenegotiationIsRefused() throws Exception {
    // "R" asks s_client to renegotiate (TLS 1.2; TLS 1.3 has no renegotiation at all). Its stdin
    // stays open: s_client would otherwise quit at end of input before the server's answer, and
    // only a server that closes the connection lets it exit by itself.
    Process p =
        new ProcessBuilder(
                "openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                "-servername", HOST, "-tls1_2")
            .redirectErrorStream(true)
            .start();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return "";
              }
            });
    try {
      p.getOutputStream().write("R\n".getBytes(StandardCharsets.US_ASCII));
      p.getOutputStream().flush();
      assertThat(p.waitFor(10, TimeUnit.SECONDS))
          .as("the server ends the connection when asked to renegotiate")
          .isTrue();
    } finally {
      p.destroyForcibly();
      p.getOutputStream().close();
    }
    String all = output.get(10, TimeUnit.SECONDS).toLowerCase(Locale.ROOT);
    assertThat(all).contains("renegotiating").contains("no renegotiation");
  }

  @Test
  void tlsCompressionIsNeverNegotiated() throws Exception {
    Commands.Result r = sClient(List.of("-tls1_2"), "Q\n");
    assertThat(r.out()).contains("Compression: NONE").contains("Protocol  : TLSv1.2");
  }

  static Commands.Result sClient(List<String> extra, String stdin) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                "-servername", HOST));
    cmd.addAll(extra);
    return Commands.run(cmd, stdin);
  }
}
