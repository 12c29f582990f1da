package dev.sluice.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import dev.sluice.testing.TlsBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests through a real {@link TestProxy} (HTTP/1.1 on the HTTP port, h2 on the HTTPS port, and
 * a TLS passthrough connection) produce access-log lines with the right fields, read back from the
 * log file and parsed.
 */
class AccessLogProxyTest {
  private static final String HOST = "app.example.test";
  private static final String PASS = "pass.example.test";

  /** The text format's fields, as documented in {@link AccessLogFormat}. */
  static final Pattern TEXT =
      Pattern.compile(
          "^(\\S+) - - \\[(\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\+0000)\\] \"([^\"]*)\""
              + " (\\d{3}|-) (\\d+) \"([^\"]*)\" \"([^\"]*)\" host=\"([^\"]*)\" route=\"([^\"]*)\""
              + " upstream=\"([^\"]*)\" in=(\\d+) rt=(\\d+\\.\\d{3}) urt=(\\d+\\.\\d{3}|-)$");

  @TempDir static Path dir;
  static TestCa ca;
  static Certificate appCert;
  static TestBackend app;
  static TlsBackend pass;

  @BeforeAll
  static void start() {
    ca = TestCa.create("Access log CA");
    appCert = ca.issueCertificate("default/app-tls", HOST);
    app = TestBackend.start("app");
    pass = TlsBackend.start("pass", ca.issueCertificate("backend/pass", PASS), false);
  }

  @AfterAll
  static void stop() {
    app.close();
    pass.close();
  }

  static Snapshot snapshot() {
    return TestSnapshots.builder()
        .prefix(HOST, "/", app.endpoint())
        .passthrough("default/pass", List.of(PASS), ProxyProtocol.NONE, pass.endpoint())
        .certificate(appCert)
        .build();
  }

  static TestProxy proxy(AccessLogSettings settings) {
    return TestProxy.start(
            b ->
                b.accessLog(settings)
                    .trustedProxies(new TrustedProxies.Cidrs(List.of("127.0.0.0/8"))))
        .publish(snapshot());
  }

  static List<String> awaitLines(Path file, int n) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(file) && Files.readAllLines(file).size() >= n);
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One raw HTTP/1.1 request; returns the whole answer (the connection closes after it). */
  static String raw(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void http11RequestGivesATextLineWithTheDerivedClientRouteUpstreamBytesAndDurations()
      throws Exception {
    Path file = dir.resolve("text.log");
    try (TestProxy proxy = proxy(AccessLogSettings.file(file))) {
      String answer =
          raw(
              proxy.port(),
              "POST /bytes?n=100&cl=1 HTTP/1.1\r\nHost: " + HOST + "\r\n"
                  + "X-Forwarded-For: 203.0.113.7\r\nUser-Agent: probe \"quoted\"/1\r\n"
                  + "Referer: http://ref.example.test/\r\nContent-Length: 5\r\n"
                  + "Connection: close\r\n\r\nhello");
      assertThat(answer).startsWith("HTTP/1.1 200");
      raw(proxy.port(), "GET /nowhere HTTP/1.1\r\nHost: unknown.example.test\r\nConnection: close\r\n\r\n");

      List<String> lines = awaitLines(file, 2);
      assertThat(lines).hasSize(2);
      // each line is queued as its exchange ends, on its connection's event loop: find them by
      // content, not by position
      String post = lines.stream().filter(l -> l.contains("\"POST ")).findFirst().orElseThrow();
      String get = lines.stream().filter(l -> l.contains("\"GET ")).findFirst().orElseThrow();
      Matcher m = TEXT.matcher(post);
      assertThat(m.matches()).as(post).isTrue();
      assertThat(m.group(1)).isEqualTo("203.0.113.7"); // trusted peer: the client it forwarded for
      assertThat(m.group(3)).isEqualTo("POST /bytes?n=100&cl=1 HTTP/1.1");
      assertThat(m.group(4)).isEqualTo("200");
      assertThat(m.group(5)).isEqualTo("100"); // response body bytes
      assertThat(m.group(6)).isEqualTo("http://ref.example.test/");
      assertThat(m.group(7)).isEqualTo("probe \\x22quoted\\x22/1"); // quotes escaped as nginx does
      assertThat(m.group(8)).isEqualTo(HOST);
      assertThat(m.group(9)).isEqualTo(HOST + "#prefix:/");
      assertThat(m.group(10)).isEqualTo("127.0.0.1:" + app.port());
      assertThat(m.group(11)).isEqualTo("5"); // request body bytes
      assertThat(m.group(13)).isNotEqualTo("-");
      assertThat(Double.parseDouble(m.group(12))).isGreaterThanOrEqualTo(Double.parseDouble(m.group(13)));

      Matcher miss = TEXT.matcher(get);
      assertThat(miss.matches()).as(get).isTrue();
      assertThat(miss.group(1)).isEqualTo("127.0.0.1");
      assertThat(miss.group(4)).isEqualTo("404");
      assertThat(miss.group(9)).isEqualTo("-");
      assertThat(miss.group(10)).isEqualTo("-");
      assertThat(miss.group(13)).isEqualTo("-");
    }
  }

  @Test
  void h2RequestsGiveJsonLines() throws Exception {
    Path file = dir.resolve("h2.json.log");
    try (TestProxy proxy =
            proxy(AccessLogSettings.file(file).withFormat(AccessLogSettings.Format.JSON));
        HttpClient client =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(ca.clientContext())
                .build()) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("https://" + HOST + ":" + proxy.httpsPort() + "/status?code=201"))
                  .header("User-Agent", "jdk-h2")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(201);

      List<String> lines = awaitLines(file, 1);
      assertThat(lines).hasSize(1);
      var json = StrictJson.parseObject(lines.get(0));
      assertThat(json.get("kind")).isEqualTo("http");
      assertThat(json.get("client")).isEqualTo("127.0.0.1");
      assertThat(json.get("method")).isEqualTo("GET");
      assertThat(json.get("uri")).isEqualTo("/status?code=201");
      assertThat(json.get("protocol")).isEqualTo("HTTP/2.0");
      assertThat((String) json.get("host")).startsWith(HOST);
      assertThat(json.get("route")).isEqualTo(HOST + "#prefix:/");
      assertThat(json.get("upstream")).isEqualTo("127.0.0.1:" + app.port());
      assertThat(json.get("status")).isEqualTo(201L);
      assertThat(json.get("bytes_in")).isEqualTo(0L);
      assertThat((Long) json.get("bytes_out")).isEqualTo((long) r.body().length());
      assertThat(json.get("duration_ms")).isInstanceOf(Double.class);
      assertThat(json.get("upstream_duration_ms")).isInstanceOf(Double.class);
      assertThat(json.get("user_agent")).isEqualTo("jdk-h2");
      assertThat(json).containsEntry("referer", null);
      assertThat(json.get("time")).asString().matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
    }
  }

  @Test
  void passthroughConnectionGivesOneLineWhenItCloses() throws Exception {
    Path file = dir.resolve("pass.log");
    try (TestProxy proxy = proxy(AccessLogSettings.file(file))) {
      try (SSLSocket s =
          (SSLSocket)
              ca.clientContext().getSocketFactory().createSocket("127.0.0.1", proxy.httpsPort())) {
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(PASS)));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.getOutputStream()
            .write(("GET / HTTP/1.1\r\nHost: " + PASS + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(answer).contains("backend=pass");
      }
      List<String> lines = awaitLines(file, 1);
      assertThat(lines).hasSize(1);
      Matcher m = TEXT.matcher(lines.get(0));
      assertThat(m.matches()).as(lines.get(0)).isTrue();
      assertThat(m.group(1)).isEqualTo("127.0.0.1");
      assertThat(m.group(3)).isEqualTo("TLS " + PASS);
      assertThat(m.group(4)).isEqualTo("-");
      assertThat(m.group(8)).isEqualTo(PASS);
      assertThat(m.group(9)).isEqualTo("default/pass");
      assertThat(m.group(10)).isEqualTo("127.0.0.1:" + pass.port());
      // the TLS records both ways: at least a ClientHello in, a ServerHello and the answer out
      assertThat(Long.parseLong(m.group(11))).isGreaterThan(100);
      assertThat(Long.parseLong(m.group(5))).isGreaterThan(100);
      assertThat(m.group(13)).isNotEqualTo("-");
    }
  }

  @Test
  void sampleZeroLogsNothingAndOneLogsEveryRequest() throws Exception {
    Path none = dir.resolve("none.log");
    Path all = dir.resolve("all.log");
    try (TestProxy off = proxy(AccessLogSettings.file(none).withSampleRatio(0));
        TestProxy on = proxy(AccessLogSettings.file(all).withSampleRatio(1))) {
      for (int i = 0; i < 5; i++) {
        for (TestProxy p : List.of(off, on)) {
          assertThat(
                  raw(p.port(), "GET /echo?i=" + i + " HTTP/1.1\r\nHost: " + HOST
                      + "\r\nConnection: close\r\n\r\n"))
              .startsWith("HTTP/1.1 200");
        }
      }
      List<String> lines = awaitLines(all, 5);
      assertThat(lines).hasSize(5);
      for (int i = 0; i < 5; i++) { // lines of different event loops may come in any order
        String request = "\"GET /echo?i=" + i + " HTTP/1.1\" 200 ";
        assertThat(lines).filteredOn(l -> l.contains(request)).hasSize(1);
      }
      // both proxies served the same requests; the closed log has had the same time to write
      assertThat(Files.size(none)).isZero();
      assertThat(off.metrics().get(AccessLog.WRITTEN).functionCounter().count()).isZero();
      assertThat(on.metrics().get(AccessLog.WRITTEN).functionCounter().count()).isEqualTo(5.0);
    }
  }
}
