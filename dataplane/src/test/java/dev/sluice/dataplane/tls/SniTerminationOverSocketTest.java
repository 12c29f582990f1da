package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.TestCertificates.KeyFormat;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pieces as the HTTPS listener will wire them: sniffer first, a dispatcher that picks the
 * certificate from the table and adds an SslHandler, real sockets and real clients.
 */
class SniTerminationOverSocketTest {

  private static Certificate app;
  private static Certificate wildcard;
  private static CertificateTable table;
  private static SSLContext client;
  private static final ClientHelloRejections rejections = new ClientHelloRejections();
  private static TlsTestServer server;

  @BeforeAll
  static void start() throws Exception {
    app = TestCertificates.ec("ns/app", List.of("app.example.test"), KeyFormat.TRADITIONAL);
    wildcard = TestCertificates.rsa("ns/wild", List.of("*.wild.test"), KeyFormat.TRADITIONAL);
    table = CertificateTable.compile(List.of(app, wildcard), null, TlsSettings.defaults(), new TlsContextFactory()).table();
    client = TestCertificates.trusting(app, wildcard, DefaultCertificate.shared());
    ClientHelloDispatcher terminate = (ctx, hello) ->
        ctx.pipeline().addAfter(ctx.name(), "tls", table.select(hello.serverName()).newHandler(ctx.alloc()));
    // the default 10 s timeout: a JDK client on a loaded machine can take a while to say hello
    server = sniffingServer(terminate, SnifferSettings.defaults());
  }

  private static TlsTestServer sniffingServer(ClientHelloDispatcher dispatcher, SnifferSettings settings)
      throws Exception {
    return new TlsTestServer(ch -> ch.pipeline().addLast(
        new ClientHelloSniffer(dispatcher, settings, rejections), new TlsTestServer.Report()));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void certificateIsChosenBySni() throws Exception {
    var exact = TlsTestServer.connect(client, server.port(), "app.example.test", null, null, "h2", "http/1.1");
    assertThat(exact.leaf()).isEqualTo(TestCertificates.leaf(app));
    assertThat(exact.line()).startsWith("TLSv1.3").endsWith(" h2");
    var wild = TlsTestServer.connect(client, server.port(), "x.wild.test", new String[] {"TLSv1.2"}, null, "http/1.1");
    assertThat(wild.leaf()).isEqualTo(TestCertificates.leaf(wildcard));
    assertThat(wild.line()).startsWith("TLSv1.2 TLS_ECDHE_RSA_").endsWith(" http/1.1");
    // a fresh client: the JDK resumes a cached session with that session's SNI (x.wild.test)
    SSLContext fresh = TestCertificates.trusting(DefaultCertificate.shared());
    var none = TlsTestServer.connect(fresh, server.port(), null, null, null);
    assertThat(none.leaf()).isEqualTo(TestCertificates.leaf(DefaultCertificate.shared()));
  }

  @Test
  void garbageAndHttpAreClosedAndCounted() throws Exception {
    long before = rejections.count(ClientHelloRejection.NOT_TLS);
    for (String junk : List.of("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "\u0000\u0001garbage garbage")) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(5000);
        s.getOutputStream().write(junk.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(s.getInputStream().read()).isEqualTo(-1); // closed without a byte
      }
    }
    await().atMost(Duration.ofSeconds(5))
        .until(() -> rejections.count(ClientHelloRejection.NOT_TLS) == before + 2);
  }

  @Test
  void silentClientIsClosedAfterTheTimeout() throws Exception {
    long before = rejections.count(ClientHelloRejection.TIMEOUT);
    SnifferSettings shortTimeout =
        new SnifferSettings(16 * 1024, Duration.ofMillis(300), ClientHelloInfo.TLS_1_2);
    TlsTestServer impatient = sniffingServer((ctx, hello) -> ctx.close(), shortTimeout);
    try (Socket s = new Socket("127.0.0.1", impatient.port())) {
      s.setSoTimeout(5000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    } finally {
      impatient.close();
    }
    await().atMost(Duration.ofSeconds(5))
        .until(() -> rejections.count(ClientHelloRejection.TIMEOUT) == before + 1);
  }

  @Test
  void tls10OnlyClientGetsProtocolVersionAlert() throws Exception {
    long before = rejections.count(ClientHelloRejection.PROTOCOL_VERSION);
    byte[] hello = ClientHellos.fromNetty(SslProvider.OPENSSL, "app.example.test", List.of("h2"), "TLSv1");
    assertThat(ClientHelloParser.parse(ClientHellos.body(hello)).highestVersion()).isEqualTo(ClientHelloInfo.TLS_1_0);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(hello);
      InputStream in = s.getInputStream();
      assertThat(in.readAllBytes()).containsExactly(0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70);
    }
    assertThat(rejections.count(ClientHelloRejection.PROTOCOL_VERSION)).isEqualTo(before + 1);
  }
}
