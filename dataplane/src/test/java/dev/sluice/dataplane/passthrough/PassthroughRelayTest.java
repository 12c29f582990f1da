package dev.sluice.dataplane.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.passthrough.RelayServer.Mode;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PassthroughRelayTest {
  private static final int BACKEND_BYTES = 2 * 1024 * 1024 + 7;
  private static final int CLIENT_BYTES = 1024 * 1024 + 13;
  private static final String ROUTE = "default/pass";

  private static EventLoopGroup backendGroup;
  private static SelfSignedTls backendTls;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PassthroughMetrics metrics = new PassthroughMetrics(registry);
  private RelayServer relay;
  private TestBackend backend;

  @BeforeAll
  static void backends() throws Exception {
    backendGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    backendTls = SelfSignedTls.generate("pass.example.test");
  }

  @AfterAll
  static void stopBackends() {
    backendGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private static PassthroughRoute route(BackendGroup group, ProxyProtocol pp, Duration idle) {
    return new PassthroughRoute(
        ROUTE, List.of("pass.example.test"), group, pp, Duration.ofSeconds(2), idle);
  }

  private void startRelay(Mode mode, PassthroughRoute route, ProxyProtocolAcceptor acceptor)
      throws InterruptedException {
    assumeTrue(!mode.epoll || Epoll.isAvailable(), "epoll not available");
    relay =
        new RelayServer(
            mode,
            new PassthroughRelay(metrics),
            route,
            TestBalancers.balancer(route.backend()),
            acceptor);
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void tlsSessionIsEndToEndAndClientSeesTheBackendsCertificate(Mode mode) throws Exception {
    backend = TestBackend.tlsEcho(backendGroup, backendTls);
    startRelay(mode, route(TestBalancers.group(backend.port()), ProxyProtocol.NONE, Duration.ofMinutes(1)), null);

    CompletableFuture<X509Certificate> seen = new CompletableFuture<>();
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new CapturingTrustManager(seen)}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      SSLParameters params = s.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName("pass.example.test")));
      s.setSSLParameters(params);
      s.startHandshake();
      assertThat(SelfSignedTls.fingerprint(seen.get(5, TimeUnit.SECONDS)))
          .isEqualTo(backendTls.fingerprint);

      byte[] body = TestBackend.randomBytes(3, 256 * 1024);
      CompletableFuture<Void> writer = writeAsync(s, body, false);
      byte[] echoed = s.getInputStream().readNBytes(body.length);
      writer.get(10, TimeUnit.SECONDS);
      assertThat(echoed).isEqualTo(body);
    }
    assertThat(counter("sluice_passthrough_connections_total", "route", ROUTE)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void megabytesBothWaysArriveIntactAndHalfCloseDeliversTheAnswer(Mode mode) throws Exception {
    backend = TestBackend.digest(backendGroup, BACKEND_BYTES);
    startRelay(mode, route(TestBalancers.group(backend.port()), ProxyProtocol.NONE, Duration.ofMinutes(1)), null);

    byte[] sent = TestBackend.randomBytes(7, CLIENT_BYTES);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      // The client writes everything, then shuts its output (FIN) while still reading.
      CompletableFuture<Void> writer = writeAsync(s, sent, true);
      byte[] got = s.getInputStream().readAllBytes();
      writer.get(10, TimeUnit.SECONDS);

      byte[] expected = TestBackend.randomBytes(42, BACKEND_BYTES);
      assertThat(got.length).isEqualTo(BACKEND_BYTES + 65);
      assertThat(TestBackend.sha256(got, 0, BACKEND_BYTES))
          .isEqualTo(TestBackend.sha256(expected, 0, BACKEND_BYTES));
      // The backend's answer, sent after it saw our FIN: the checksum of what it received.
      assertThat(new String(got, BACKEND_BYTES, 64, StandardCharsets.US_ASCII))
          .isEqualTo(TestBackend.sha256(sent, 0, sent.length));
    }
    assertThat(counter("sluice_passthrough_bytes_total", "route", ROUTE, "direction", "upstream"))
        .isEqualTo(CLIENT_BYTES);
    assertThat(counter("sluice_passthrough_bytes_total", "route", ROUTE, "direction", "downstream"))
        .isEqualTo(BACKEND_BYTES + 65);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void clientFinBehindASlowBackendLosesNoBytes(Mode mode) throws Exception {
    backend = TestBackend.slowDigest(backendGroup, 10, 500);
    startRelay(mode, route(TestBalancers.group(backend.port()), ProxyProtocol.NONE, Duration.ofMinutes(1)), null);
    byte[] sent = TestBackend.randomBytes(9, 4 * CLIENT_BYTES);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      CompletableFuture<Void> writer = writeAsync(s, sent, true);
      byte[] got = s.getInputStream().readAllBytes();
      writer.get(10, TimeUnit.SECONDS);
      assertThat(got.length).isEqualTo(10 + 65);
      assertThat(new String(got, 10, 64, StandardCharsets.US_ASCII))
          .isEqualTo(TestBackend.sha256(sent, 0, sent.length));
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void backendReceivesProxyV1AndV2HeadersWithTheClientAddress(Mode mode) throws Exception {
    backend = TestBackend.echo(backendGroup, true);
    for (ProxyProtocol pp : List.of(ProxyProtocol.V1, ProxyProtocol.V2)) {
      startRelay(mode, route(TestBalancers.group(backend.port()), pp, Duration.ofMinutes(1)), null);
      try (Socket s = new Socket("127.0.0.1", relay.port())) {
        s.setSoTimeout(10_000);
        assertThat(pingPong(s, "hello " + pp)).isEqualTo("hello " + pp);
        TestBackend.Seen h = backend.headers.poll(5, TimeUnit.SECONDS);
        assertThat(h).isNotNull();
        assertThat(h.version()).isEqualTo(pp.name());
        assertThat(h.protocol()).isEqualTo("TCP4");
        assertThat(h.src()).isEqualTo("127.0.0.1");
        assertThat(h.srcPort()).isEqualTo(s.getLocalPort());
        assertThat(h.dst()).isEqualTo("127.0.0.1");
        assertThat(h.dstPort()).isEqualTo(relay.port());
      }
      relay.close();
      relay = null;
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void addressFromAnIncomingProxyHeaderIsTheOneSentToTheBackend(Mode mode) throws Exception {
    backend = TestBackend.echo(backendGroup, true);
    ProxyProtocolAcceptor acceptor =
        new ProxyProtocolAcceptor(new ProxyProtocolSettings(true, List.of("127.0.0.0/8")), registry);
    startRelay(mode, route(TestBalancers.group(backend.port()), ProxyProtocol.V2, Duration.ofMinutes(1)), acceptor);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("PROXY TCP6 2001:db8::7 2001:db8::1 40001 443\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(pingPong(s, "through two proxies")).isEqualTo("through two proxies");
      TestBackend.Seen h = backend.headers.poll(5, TimeUnit.SECONDS);
      assertThat(h).isEqualTo(new TestBackend.Seen("V2", "TCP6", "2001:db8:0:0:0:0:0:7", 40001, "2001:db8:0:0:0:0:0:1", 443));
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void connectFailureClosesTheClientAndIsCounted(Mode mode) throws Exception {
    int closed = closedPort();
    startRelay(mode, route(TestBalancers.group(closed), ProxyProtocol.NONE, Duration.ofMinutes(1)), null);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("\u0016\u0003\u0001 not really a ClientHello".getBytes(StandardCharsets.ISO_8859_1));
      assertThat(readToEndOrReset(s.getInputStream())).isEmpty();
    }
    awaitCount("sluice_passthrough_connect_errors_total", 1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void failedConnectIsRetriedOnAnotherEndpoint(Mode mode) throws Exception {
    backend = TestBackend.echo(backendGroup, false);
    // Round robin starts with the first endpoint: the closed port.
    startRelay(mode, route(TestBalancers.group(closedPort(), backend.port()), ProxyProtocol.NONE, Duration.ofMinutes(1)), null);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      assertThat(pingPong(s, "second time lucky")).isEqualTo("second time lucky");
    }
    assertThat(counter("sluice_passthrough_connect_errors_total", "route", ROUTE)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void idleConnectionIsClosed(Mode mode) throws Exception {
    backend = TestBackend.echo(backendGroup, false);
    startRelay(mode, route(TestBalancers.group(backend.port()), ProxyProtocol.NONE, Duration.ofMillis(300)), null);
    try (Socket s = new Socket("127.0.0.1", relay.port())) {
      s.setSoTimeout(10_000);
      assertThat(pingPong(s, "then silence")).isEqualTo("then silence");
      assertThat(readToEndOrReset(s.getInputStream())).isEmpty();
    }
    awaitCount("sluice_passthrough_idle_closed_total", 1);
  }

  // ---- helpers ----

  private void awaitCount(String name, double expected) throws InterruptedException {
    for (int i = 0; i < 100 && counter(name, "route", ROUTE) < expected; i++) {
      Thread.sleep(20);
    }
    assertThat(counter(name, "route", ROUTE)).isEqualTo(expected);
  }

  private static String pingPong(Socket s, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(b);
    s.getOutputStream().flush();
    return new String(s.getInputStream().readNBytes(b.length), StandardCharsets.UTF_8);
  }

  private static byte[] readToEndOrReset(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      in.transferTo(out);
    } catch (SocketException reset) {
      // a reset is as good as a FIN for "the relay closed the connection"
    }
    return out.toByteArray();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return ss.getLocalPort();
    }
  }

  /** Writes {@code body} from another thread; with {@code fin}, then shuts the socket's output. */
  private static CompletableFuture<Void> writeAsync(Socket s, byte[] body, boolean fin) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            OutputStream out = s.getOutputStream();
            for (int off = 0; off < body.length; off += 16 * 1024) {
              out.write(body, off, Math.min(16 * 1024, body.length - off));
            }
            out.flush();
            if (fin) {
              s.shutdownOutput();
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  private static final class CapturingTrustManager implements X509TrustManager {
    private final CompletableFuture<X509Certificate> seen;

    CapturingTrustManager(CompletableFuture<X509Certificate> seen) {
      this.seen = seen;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      seen.complete(chain[0]);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
