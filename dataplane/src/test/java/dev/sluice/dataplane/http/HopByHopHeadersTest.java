package dev.sluice.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HopByHopHeadersTest {

  @Test
  void removesFixedHopByHopHeadersAndKeepsEndToEndOnes() {
    HttpHeaders headers =
        headers(
            "Connection: keep-alive",
            "Keep-Alive: timeout=5",
            "TE: trailers",
            "Trailer: X-Checksum",
            "Transfer-Encoding: chunked",
            "Upgrade: h2c",
            "Proxy-Connection: keep-alive",
            "Proxy-Authenticate: Basic",
            "Proxy-Authorization: Basic Zm9vOmJhcg==",
            "Host: example.com",
            "Content-Type: text/plain",
            "Authorization: Bearer t",
            "Cookie: a=b");

    HopByHopHeaders.strip(headers);

    assertThat(names(headers))
        .containsExactlyInAnyOrder("host", "content-type", "authorization", "cookie");
  }

  @Test
  void removesHeadersNamedByConnectionOnAnyLineInAnyCase() {
    HttpHeaders headers =
        headers(
            "Connection: close, X-Secret-Hop",
            "connection: x-other ,  , X-THIRD",
            "x-secret-hop: 1",
            "X-Other: 2",
            "X-Third: 3",
            "X-Kept: 4");

    HopByHopHeaders.strip(headers);

    assertThat(names(headers)).containsExactly("x-kept");
  }

  @Test
  void connectionCannotRemoveHostOrContentLength() {
    HttpHeaders headers =
        headers(
            "Connection: Host, content-length, Cookie",
            "Host: example.com",
            "Content-Length: 3",
            "Cookie: a=b");

    HopByHopHeaders.strip(headers);

    assertThat(names(headers)).containsExactlyInAnyOrder("host", "content-length");
  }

  @Test
  void headersWithoutHopByHopAreUntouched() {
    HttpHeaders headers = headers("Host: a", "Accept: */*", "Accept: text/html");

    HopByHopHeaders.strip(headers);

    assertThat(headers.getAll("Accept")).containsExactly("*/*", "text/html");
    assertThat(headers.get("Host")).isEqualTo("a");
  }

  static Stream<Arguments> upgrades() {
    return Stream.of(
        Arguments.of(HttpMethod.GET, List.of("Connection: Upgrade", "Upgrade: websocket"), true),
        Arguments.of(HttpMethod.GET, List.of("Connection: upgrade", "Upgrade: WebSocket"), true),
        Arguments.of(
            HttpMethod.GET, List.of("Connection: keep-alive, Upgrade", "Upgrade: websocket"), true),
        Arguments.of(
            HttpMethod.GET,
            List.of("Connection: keep-alive", "Connection: UPGRADE", "Upgrade: websocket"),
            true),
        Arguments.of(HttpMethod.POST, List.of("Connection: Upgrade", "Upgrade: websocket"), false),
        Arguments.of(HttpMethod.GET, List.of("Upgrade: websocket"), false),
        Arguments.of(
            HttpMethod.GET, List.of("Connection: keep-alive", "Upgrade: websocket"), false),
        Arguments.of(HttpMethod.GET, List.of("Connection: upgraded", "Upgrade: websocket"), false),
        Arguments.of(HttpMethod.GET, List.of("Connection: Upgrade", "Upgrade: h2c"), false),
        Arguments.of(HttpMethod.GET, List.of("Connection: Upgrade"), false),
        Arguments.of(HttpMethod.GET, List.of(), false));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("upgrades")
  void detectsWebSocketUpgrade(HttpMethod method, List<String> lines, boolean expected) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/ws");
    request.headers().add(headers(lines.toArray(String[]::new)));

    assertThat(HopByHopHeaders.isWebSocketUpgrade(request)).isEqualTo(expected);
  }

  @Test
  void webSocketUpgradeIsDetectableBeforeStripAndGoneAfter() {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
    request
        .headers()
        .add(headers("Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Key: k"));

    assertThat(HopByHopHeaders.isWebSocketUpgrade(request)).isTrue();
    HopByHopHeaders.strip(request.headers());
    assertThat(HopByHopHeaders.isWebSocketUpgrade(request)).isFalse();
    assertThat(request.headers().get("Sec-WebSocket-Key")).isEqualTo("k");
  }

  static HttpHeaders headers(String... lines) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (String line : lines) {
      int colon = line.indexOf(':');
      headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    return headers;
  }

  static List<String> names(HttpHeaders headers) {
    return headers.names().stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
  }
}
