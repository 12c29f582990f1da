package dev.sluice.dataplane.accesslog;

import static dev.sluice.dataplane.accesslog.AccessLogProxyTest.TEXT;
import static dev.sluice.dataplane.accesslog.AccessLogProxyTest.awaitLines;
import static dev.sluice.dataplane.accesslog.AccessLogProxyTest.raw;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the proxy answers itself before routing is access-logged too: request heads refused as
 * malformed or over a limit (400, 414, 431), and ACME HTTP-01 answers. Real sockets to a real
 * {@link TestProxy}; the lines are read back from the log file and parsed with the format's
 * pattern.
 */
class AccessLogLocalAnswersTest {
  private static final String HOST = "app.example.test";
  private static final String TOKEN = "tok-123_abc";
  private static final String KEY_AUTHORIZATION = TOKEN + ".thumbprint";

  @TempDir static Path dir;
  static TestBackend app;

  @BeforeAll
  static void start() {
    app = TestBackend.start("app");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static TestProxy proxy(Path file) {
    Snapshot routes = TestSnapshots.builder().prefix(HOST, "/", app.endpoint()).build();
    Snapshot withChallenge =
        new Snapshot(routes.version(), Instant.now(), routes.virtualHosts(), routes.passthrough(),
            routes.certificates(), new AcmeChallenges(Map.of(TOKEN, KEY_AUTHORIZATION), Map.of()));
    return TestProxy.start(b -> b.accessLog(AccessLogSettings.file(file))).publish(withChallenge);
  }

  @Test
  void malformedAndOversizedRequestHeadsAreLoggedWithTheirStatusAndNoRoute() throws Exception {
    Path file = dir.resolve("refused.log");
    int before = app.requests();
    try (TestProxy proxy = proxy(file)) {
      // a request line Netty cannot parse: nothing of it is trusted, method and URI are "-"
      assertThat(raw(proxy.port(), "GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
      // both Content-Length and Transfer-Encoding (smuggling): the parsed head is logged
      assertThat(raw(proxy.port(), "POST /smuggle HTTP/1.1\r\nHost: " + HOST
          + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nUser-Agent: probe/1\r\n\r\n"))
          .startsWith("HTTP/1.1 400");
      // a request line over the 8 KiB limit
      assertThat(raw(proxy.port(), "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: " + HOST
          + "\r\n\r\n")).startsWith("HTTP/1.1 414");
      // a header block over the 16 KiB limit
      assertThat(raw(proxy.port(), "GET /big HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: "
          + "b".repeat(20_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");

      List<String> lines = awaitLines(file, 4);
      assertThat(lines).hasSize(4);
      Matcher garbage = line(lines, " 400 ", "\"- - -\"");
      assertThat(garbage.group(1)).isEqualTo("127.0.0.1");
      assertThat(garbage.group(8)).isEqualTo("-"); // host
      Matcher smuggle = line(lines, " 400 ", "POST /smuggle");
      assertThat(smuggle.group(3)).isEqualTo("POST /smuggle HTTP/1.1");
      assertThat(smuggle.group(7)).isEqualTo("probe/1");
      assertThat(smuggle.group(8)).isEqualTo(HOST);
      line(lines, " 414 ", "");
      line(lines, " 431 ", "");
      for (String l : lines) {
        Matcher m = TEXT.matcher(l);
        assertThat(m.matches()).as(l).isTrue();
        assertThat(m.group(5)).as("error page bytes").isNotEqualTo("0");
        assertThat(m.group(9)).as("route").isEqualTo("-");
        assertThat(m.group(10)).as("upstream").isEqualTo("-");
        assertThat(m.group(13)).as("urt").isEqualTo("-");
      }
    }
    assertThat(app.requests()).as("nothing refused reached the backend").isEqualTo(before);
  }

  @Test
  void acmeHttp01AnswersAreLogged() throws Exception {
    Path file = dir.resolve("acme.log");
    try (TestProxy proxy = proxy(file)) {
      String answer = raw(proxy.port(), "GET /.well-known/acme-challenge/" + TOKEN
          + " HTTP/1.1\r\nHost: " + HOST + "\r\nUser-Agent: validator/1\r\nConnection: close\r\n\r\n");
      assertThat(answer).startsWith("HTTP/1.1 200").endsWith(KEY_AUTHORIZATION);

      List<String> lines = awaitLines(file, 1);
      assertThat(lines).hasSize(1);
      Matcher m = TEXT.matcher(lines.getFirst());
      assertThat(m.matches()).as(lines.getFirst()).isTrue();
      assertThat(m.group(3)).isEqualTo("GET /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1");
      assertThat(m.group(4)).isEqualTo("200");
      assertThat(m.group(5)).isEqualTo(Integer.toString(KEY_AUTHORIZATION.length()));
      assertThat(m.group(7)).isEqualTo("validator/1");
      assertThat(m.group(8)).isEqualTo(HOST);
      assertThat(m.group(9)).isEqualTo("-");
      assertThat(m.group(10)).isEqualTo("-");
    }
  }

  /** The one line with {@code status} (" 400 ") that contains {@code text}, matched. */
  private static Matcher line(List<String> lines, String status, String text) {
    String found =
        lines.stream()
            .filter(l -> l.contains("\" " + status.strip() + " ") && l.contains(text))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no" + status + "line with " + text + " in " + lines));
    Matcher m = TEXT.matcher(found);
    assertThat(m.matches()).as(found).isTrue();
    return m;
  }
}
