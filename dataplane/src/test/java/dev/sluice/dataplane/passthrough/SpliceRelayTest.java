package dev.sluice.dataplane.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.passthrough.RawBackend.Outcome;
import dev.sluice.dataplane.passthrough.RelayServer.Mode;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The passthrough relay on the epoll transport, spliced ({@code true}) and copied ({@code false}):
 * large transfers, half-close in either order behind slow peers, resets, concurrency, and the
 * PROXY header plus held ClientHello bytes before the splice starts. Real sockets on loopback.
 */
class SpliceRelayTest {
  private static final String ROUTE = "default/pass";
  private static final int MIB = 1024 * 1024;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private RelayServer relay;
  private RawBackend backend;

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void start(boolean splice, ProxyProtocol pp, RawBackend.Script script) throws Exception {
    assumeTrue(Epoll.isAvailable(), "epoll not available");
    backend = new RawBackend(script);
    PassthroughRoute route =
        new PassthroughRoute(
            ROUTE,
            List.of("pass.example.test"),
            TestBalancers.group(backend.port()),
            pp,
            Duration.ofSeconds(2),
            Duration.ofMinutes(1));
    relay =
        new RelayServer(
            Mode.EPOLL,
            new PassthroughRelay(new PassthroughMetrics(registry), AccessLog.off(), splice),
            route,
            TestBalancers.balancer(route.backend()),
            null);
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  private void assertSpliced(boolean splice, int connections) {
    assertThat(counter("sluice_passthrough_spliced_total", "route", ROUTE))
        .isEqualTo(splice ? connections : 0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void sixtyFourMebibytesEachWayArriveIntact(boolean splice) throws Exception {
    long size = 64L * MIB;
    Stream answer = new Stream(11, size);
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          CompletableFuture<Void> w = writeAsync(s, answer, true);
          Outcome o = RawBackend.readAll(s, 65536, 0);
          w.get(60, TimeUnit.SECONDS);
          return o;
        });
    Stream sent = new Stream(12, size);
    try (Socket c = client()) {
      CompletableFuture<Void> w = writeAsync(c, sent, true);
      Outcome got = RawBackend.readAll(c, 65536, 0);
      w.get(60, TimeUnit.SECONDS);
      assertThat(got.received()).isEqualTo(size);
      assertThat(got.sha256()).isEqualTo(answer.sha256());
    }
    Outcome atBackend = backend.next();
    assertThat(atBackend.received()).isEqualTo(size);
    assertThat(atBackend.sha256()).isEqualTo(sent.sha256());
    awaitCounter("sluice_passthrough_bytes_total", size, "direction", "upstream");
    awaitCounter("sluice_passthrough_bytes_total", size, "direction", "downstream");
    assertSpliced(splice, 1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void clientFinBehindASlowBackendLosesNoBytes(boolean splice) throws Exception {
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          Thread.sleep(300); // let the client's bytes and its FIN pile up in the relay
          Outcome o = RawBackend.readAll(s, 16 * 1024, 1);
          s.getOutputStream().write((o.received() + " " + o.sha256() + "\n").getBytes());
          s.shutdownOutput();
          return o;
        });
    Stream sent = new Stream(13, 8L * MIB + 3);
    try (Socket c = client()) {
      CompletableFuture<Void> w = writeAsync(c, sent, true);
      String reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      w.get(30, TimeUnit.SECONDS);
      assertThat(reply).isEqualTo(sent.size + " " + sent.sha256() + "\n");
    }
    Outcome atBackend = backend.next();
    assertThat(atBackend.sawEof()).isTrue();
    assertThat(atBackend.received()).isEqualTo(sent.size);
    awaitCounter("sluice_passthrough_bytes_total", sent.size, "direction", "upstream");
    assertSpliced(splice, 1);
  }

  /**
   * The client half-closes at once, then reads a large answer slowly: every write to its socket
   * after its FIN needs EPOLLOUT, which Netty 4.2.18 loses without {@link EpollPin}.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void clientHalfClosesThenDownloadsSlowly(boolean splice) throws Exception {
    Stream answer = new Stream(19, 24L * MIB + 1);
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          Outcome o = RawBackend.readAll(s, 65536, 0);
          write(s, answer);
          s.shutdownOutput();
          return o;
        });
    try (Socket c = client()) {
      c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      c.shutdownOutput();
      Thread.sleep(300); // the relay's socket to the client fills while nobody reads
      Outcome got = RawBackend.readAll(c, 16 * 1024, 0);
      assertThat(got.received()).isEqualTo(answer.size);
      assertThat(got.sha256()).isEqualTo(answer.sha256());
    }
    assertThat(backend.next().received()).isEqualTo(5);
    assertSpliced(splice, 1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void backendFinFirstThenTheClientStillSends(boolean splice) throws Exception {
    Stream answer = new Stream(14, 16L * MIB + 5);
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          write(s, answer);
          s.shutdownOutput();
          return RawBackend.readAll(s, 65536, 0);
        });
    Stream sent = new Stream(15, 2L * MIB + 1);
    try (Socket c = client()) {
      // A passthrough connection starts with the client's bytes (the ClientHello): a first piece.
      sent.writeTo(c.getOutputStream(), 0, 1000);
      Outcome got = RawBackend.readAll(c, 65536, 0); // to the backend's FIN
      assertThat(got.received()).isEqualTo(answer.size);
      assertThat(got.sha256()).isEqualTo(answer.sha256());
      sent.writeTo(c.getOutputStream(), 1000, sent.size);
      c.shutdownOutput();
      Outcome atBackend = backend.next();
      assertThat(atBackend.received()).isEqualTo(sent.size);
      assertThat(atBackend.sha256()).isEqualTo(sent.sha256());
      // Both directions ended: the relay closes the client's connection.
      assertThat(c.getInputStream().read()).isEqualTo(-1);
    }
    assertSpliced(splice, 1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void clientResetEndsTheBackendConnection(boolean splice) throws Exception {
    start(splice, ProxyProtocol.NONE, s -> RawBackend.readAll(s, 65536, 0));
    try (Socket c = client()) {
      write(c, new Stream(16, 4L * MIB));
      backend.awaitAccepted(1); // the relay reached the backend before the client resets
      c.setSoLinger(true, 0); // close sends RST
    }
    Outcome atBackend = backend.next(); // EOF or reset, but it ends
    assertThat(atBackend).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void backendResetEndsTheClientConnection(boolean splice) throws Exception {
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          write(s, new Stream(17, 4L * MIB));
          s.setSoLinger(true, 0);
          return new Outcome(0, "reset sent", false);
        });
    try (Socket c = client()) {
      c.getOutputStream().write(1);
      readToEndOrReset(c.getInputStream()); // returns: no hang
    }
    assertThat(backend.next().sha256()).isEqualTo("reset sent");
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void manyConcurrentConnectionsEachGetTheirOwnBytes(boolean splice) throws Exception {
    int n = 40;
    start(
        splice,
        ProxyProtocol.NONE,
        s -> {
          Outcome o = RawBackend.readAll(s, 65536, 0);
          s.getOutputStream().write((o.sha256() + "\n").getBytes(StandardCharsets.US_ASCII));
          s.shutdownOutput();
          return o;
        });
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Stream sent = new Stream(100 + i, MIB / 2 + i);
        results.add(
            pool.submit(
                () -> {
                  try (Socket c = client()) {
                    CompletableFuture<Void> w = writeAsync(c, sent, true);
                    String reply =
                        new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    w.get(30, TimeUnit.SECONDS);
                    return reply.equals(sent.sha256() + "\n");
                  }
                }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertSpliced(splice, n);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void proxyHeaderAndHeldClientHelloGoFirstThenTheSplicedRest(boolean splice) throws Exception {
    start(
        splice,
        ProxyProtocol.V1,
        s -> {
          String header = readLine(s.getInputStream());
          Outcome rest = RawBackend.readAll(s, 65536, 0);
          return new Outcome(rest.received(), header + "|" + rest.sha256(), rest.sawEof());
        });
    Stream sent = new Stream(18, 4L * MIB + 9);
    int localPort;
    try (Socket c = client()) {
      localPort = c.getLocalPort();
      writeAsync(c, sent, true).get(30, TimeUnit.SECONDS);
      assertThat(c.getInputStream().read()).isEqualTo(-1);
    }
    Outcome atBackend = backend.next();
    assertThat(atBackend.sha256())
        .isEqualTo(
            "PROXY TCP4 127.0.0.1 127.0.0.1 " + localPort + " " + relay.port() + "|" + sent.sha256());
    assertThat(atBackend.received()).isEqualTo(sent.size);
    assertSpliced(splice, 1);
  }

  // ---- helpers ----

  private Socket client() throws IOException {
    Socket c = new Socket("127.0.0.1", relay.port());
    c.setSoTimeout(30_000);
    return c;
  }

  private void awaitCounter(String name, double expected, String... tags) throws Exception {
    String[] all = new String[tags.length + 2];
    all[0] = "route";
    all[1] = ROUTE;
    System.arraycopy(tags, 0, all, 2, tags.length);
    for (int i = 0; i < 100 && counter(name, all) < expected; i++) {
      Thread.sleep(20);
    }
    assertThat(counter(name, all)).isEqualTo(expected);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("no PROXY header line");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private static void readToEndOrReset(InputStream in) throws IOException {
    try {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (SocketException reset) {
      // a reset is as good as a FIN for "the relay closed the connection"
    }
  }

  private static void write(Socket s, Stream body) throws IOException {
    OutputStream out = s.getOutputStream();
    body.writeTo(out);
    out.flush();
  }

  private static CompletableFuture<Void> writeAsync(Socket s, Stream body, boolean fin) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            write(s, body);
            if (fin) {
              s.shutdownOutput();
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /**
   * A reproducible byte stream of any length without holding it in memory: a random block of an
   * odd size (so it never lines up with buffer sizes) repeated and cut at {@code size}.
   */
  private static final class Stream {
    private final byte[] block;
    final long size;

    Stream(long seed, long size) {
      this.block = TestBackend.randomBytes(seed, 1_000_003);
      this.size = size;
    }

    void writeTo(OutputStream out) throws IOException {
      writeTo(out, 0, size);
    }

    /** Writes bytes {@code from} (inclusive) to {@code to} (exclusive) of the stream. */
    void writeTo(OutputStream out, long from, long to) throws IOException {
      for (long off = from; off < to; ) {
        int p = (int) (off % block.length);
        int n = (int) Math.min(Math.min(65536, block.length - p), to - off);
        out.write(block, p, n);
        off += n;
      }
      out.flush();
    }

    String sha256() throws Exception {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (long off = 0; off < size; ) {
        int n = (int) Math.min(block.length, size - off);
        md.update(block, 0, n);
        off += n;
      }
      return HexFormat.of().formatHex(md.digest());
    }
  }
}
