package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile HTTP/1.1 request heads over a real socket: each is answered by Sluice itself with the
 * documented status, the connection is closed, and the backend never sees the request.
 */
class HostileRequestTest {
  static final String H = "Host: x.test\r\n";
  static TestBackend backend;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("hostile");
    proxy =
        TestProxy.start(
            b -> b.limits(Limits.builder().maxHeaderCount(100).maxBodySize(1000).build()));
    proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  static Stream<Arguments> hostile() {
    StringBuilder many = new StringBuilder("GET /echo HTTP/1.1\r\n" + H);
    for (int i = 0; i < 100; i++) {
      many.append("X-").append(i).append(": v\r\n");
    }
    return Stream.of(
        // framing: request smuggling
        row("CL and TE", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        row("TE and CL", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
        row("two CL, different", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        row("two CL, same", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
        row("CL list", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 2, 2\r\n\r\nab"),
        row("CL not digits", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 2a\r\n\r\nab"),
        row("CL with sign", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: +2\r\n\r\nab"),
        row("CL negative", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: -2\r\n\r\nab"),
        row("CL overflow", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999999\r\n\r\nab"),
        row("CL hex", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 0x2\r\n\r\nab"),
        row("TE gzip", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n"),
        row("TE chunked, gzip", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
        row("TE gzip, chunked", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        row("TE xchunked", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
        row("TE identity", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n"),
        row("TE vertical tab", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n"),
        row("TE twice", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        row("TE name with space", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
        row("obs-fold", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\n\r\n"),
        row("obs-fold with tab", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n\tb\r\n\r\n"),
        row("obs-fold of Transfer-Encoding", 400, "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n chunked\r\n\r\n0\r\n\r\n"),
        row("HTTP/1.0 with TE", 400, "POST / HTTP/1.0\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        // line endings and characters
        row("bare LF", 400, "GET / HTTP/1.1\n" + H + "X-A: a\n\n"),
        row("bare LF in headers", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\nX-B: b\r\n\r\n"),
        row("bare CR", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\rX-B: b\r\n\r\n"),
        row("control char in name", 400, "GET / HTTP/1.1\r\n" + H + "X\u0001A: a\r\n\r\n"),
        row("space in name", 400, "GET / HTTP/1.1\r\n" + H + "X A: a\r\n\r\n"),
        row("non-ASCII in name", 400, "GET / HTTP/1.1\r\n" + H + "X\u00e9A: a\r\n\r\n"),
        row("empty name", 400, "GET / HTTP/1.1\r\n" + H + ": a\r\n\r\n"),
        row("line without colon", 400, "GET / HTTP/1.1\r\n" + H + "garbage\r\n\r\n"),
        row("control char in value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u0001b\r\n\r\n"),
        row("NUL in value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u0000b\r\n\r\n"),
        row("DEL in value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u007fb\r\n\r\n"),
        row("control char in target", 400, "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n"),
        row("non-ASCII in target", 400, "GET /a\u00e9b HTTP/1.1\r\n" + H + "\r\n"),
        // Host and target form
        row("HTTP/1.1 without Host", 400, "GET / HTTP/1.1\r\n\r\n"),
        row("two Host headers", 400, "GET / HTTP/1.1\r\n" + H + "Host: y.test\r\n\r\n"),
        row("Host with a path", 400, "GET / HTTP/1.1\r\nHost: x.test/evil\r\n\r\n"),
        row("Host with userinfo", 400, "GET / HTTP/1.1\r\nHost: u@x.test\r\n\r\n"),
        row("absolute form with userinfo", 400, "GET http://u@x.test/ HTTP/1.1\r\n" + H + "\r\n"),
        row("absolute form, other scheme", 400, "GET ftp://x.test/ HTTP/1.1\r\n" + H + "\r\n"),
        row("authority form (CONNECT)", 400, "CONNECT x.test:443 HTTP/1.1\r\n" + H + "\r\n"),
        row("asterisk without OPTIONS", 400, "GET * HTTP/1.1\r\n" + H + "\r\n"),
        // sizes
        row("request line over 8 KiB", 414, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n" + H + "\r\n"),
        row("headers over 16 KiB", 431, "GET / HTTP/1.1\r\n" + H + "X-A: " + "a".repeat(17000) + "\r\n\r\n"),
        row("101 header lines", 431, many + "\r\n"),
        row("Content-Length above the limit", 413, "POST / HTTP/1.1\r\n" + H + "Content-Length: 1001\r\n\r\n"));
  }

  private static Arguments row(String name, int status, String request) {
    return Arguments.of(name, status, request);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("hostile")
  void isAnsweredByTheProxyAndNeverForwarded(String name, int status, String request)
      throws Exception {
    int before = backend.requests();
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r = c.send(request).read();
      assertThat(r.status()).as(name).isEqualTo(status);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(backend.requests()).as("backend requests").isEqualTo(before);
  }

  @Test
  void rejectionsAreCountedByKind() throws Exception {
    double tooMany = proxy.errors("too_many_headers");
    double tooLarge = proxy.errors("body_too_large");
    double bad = proxy.errors("bad_request");
    StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\n" + H);
    for (int i = 0; i < 120; i++) {
      many.append("X-").append(i).append(": v\r\n");
    }
    send(many + "\r\n");
    send("POST / HTTP/1.1\r\n" + H + "Content-Length: 5000\r\n\r\n");
    send("POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
    assertThat(proxy.errors("too_many_headers")).isEqualTo(tooMany + 1);
    assertThat(proxy.errors("body_too_large")).isEqualTo(tooLarge + 1);
    assertThat(proxy.errors("bad_request")).isEqualTo(bad + 1);
  }

  /** Field values may carry OWS around them and HTAB/obs-text inside: accepted, forwarded as is. */
  @Test
  void lenientButUnambiguousInputIsForwardedReframed() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      String echo =
          c.send("POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding:\tCHUNKED \r\nX-A: a\tb\r\n\r\n"
                  + "3\r\nabc\r\n0\r\n\r\n")
              .read()
              .bodyText();
      assertThat(echo)
          .contains("\"bodyLength\":3")
          .contains("\"transfer-encoding\":\"chunked\"")
          .doesNotContain("content-length");
    }
  }

  /**
   * Obs-fold is found in the raw bytes of every head of a connection, pipelined ones after bodies
   * of either framing included, and only there: body bytes that look like folding are left alone.
   */
  @Test
  void obsFoldIsFoundInPipelinedHeadsAfterBodiesButNotInBodies() throws Exception {
    int before = backend.requests();
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send("POST /echo HTTP/1.1\r\n" + H + "Content-Length: 9\r\n\r\nx\r\n y\r\n\tz"
          + "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
          + "5;ext=1\r\n\r\n ab\r\n0\r\nX-Trailer: t\r\n\r\n"
          + "GET /echo HTTP/1.1\r\n" + H + "X-A: a\r\n\tb\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      assertThat(c.read().status()).isEqualTo(200);
      RawHttp.Response third = c.read();
      assertThat(third.status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(backend.requests()).isEqualTo(before + 2);
  }

  private static void send(String request) throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      c.send(request).read();
    }
  }
}
