package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** No open proxy: Host and absolute-form targets only reach configured routes, re-written. */
class HostHandlingTest {
  static TestBackend a;
  static TestBackend other;
  static TestProxy proxy;

  @BeforeAll
  static void start() {
    a = TestBackend.start("a");
    other = TestBackend.start("other");
    proxy = TestProxy.start();
    proxy.publish(
        TestSnapshots.builder()
            .prefix("a.example.test", "/", a.endpoint())
            .prefix("other.example.test", "/", other.endpoint())
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    a.close();
    other.close();
  }

  @Test
  void hostWithoutRouteNeverReachesABackend() throws Exception {
    int before = a.requests() + other.requests();
    RawHttp.Response r = RawHttp.get(proxy.port(), "evil.test", "/echo");
    assertThat(r.status()).isEqualTo(404);
    assertThat(a.requests() + other.requests()).isEqualTo(before);
  }

  @Test
  void absoluteFormIsRoutedByItsHostAndForwardedInOriginFormWithThatHost() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send("GET http://other.example.test/echo?q=1 HTTP/1.1\r\nHost: a.example.test\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText())
          .contains("\"backend\":\"other\"")
          .contains("\"uri\":\"/echo?q=1\"")
          .contains("\"host\":\"other.example.test\"");
    }
  }

  @Test
  void absoluteFormToAnUnconfiguredHostIs404EvenWithAConfiguredHostHeader() throws Exception {
    int before = a.requests() + other.requests();
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send("GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: a.example.test\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(404);
    }
    assertThat(a.requests() + other.requests()).isEqualTo(before);
  }

  @Test
  void h2cUpgradeIsStrippedNotForwarded() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      RawHttp.Response r =
          c.send("GET /echo HTTP/1.1\r\nHost: a.example.test\r\n"
                  + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                  + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText())
          .doesNotContain("\"upgrade\"")
          .doesNotContain("http2-settings")
          .doesNotContain("\"connection\"");
      // the connection is still plain HTTP/1.1
      assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a.example.test\r\n\r\n").read().status())
          .isEqualTo(200);
    }
  }

  @Test
  void forwardedHeadersOfAnUntrustedPeerAreReplaced() throws Exception {
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      String echo =
          c.send("GET /echo HTTP/1.1\r\nHost: a.example.test\r\n"
                  + "Forwarded: for=6.6.6.6;proto=https\r\nX-Forwarded-For: 6.6.6.6\r\n"
                  + "X-Forwarded-Host: evil.test\r\n\r\n")
              .read()
              .bodyText();
      assertThat(echo)
          .contains("\"x-forwarded-for\":\"127.0.0.1\"")
          .contains("\"x-forwarded-host\":\"a.example.test\"")
          .doesNotContain("6.6.6.6")
          .doesNotContain("evil.test");
    }
  }
}
