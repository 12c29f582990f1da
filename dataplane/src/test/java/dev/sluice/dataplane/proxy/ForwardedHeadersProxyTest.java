package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the backend sees of the client, through the real proxy. */
class ForwardedHeadersProxyTest {
  static TestBackend backend;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("fwd");
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  @Test
  void backendSeesClientAddressProtoHostAndPortAndSpoofedHeadersAreReplaced() throws Exception {
    try (TestProxy proxy = TestProxy.start()) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        String echo =
            c.send(
                    "GET /echo HTTP/1.1\r\nHost: shop.test:8080\r\n"
                        + "X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"
                        + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n"
                        + "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
                        + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n\r\n")
                .read()
                .bodyText();
        assertThat(echo)
            .contains("\"host\":\"shop.test:8080\"")
            .contains("\"x-forwarded-for\":\"127.0.0.1\"")
            .contains("\"x-real-ip\":\"127.0.0.1\"")
            .contains("\"x-forwarded-proto\":\"http\"")
            .contains("\"x-forwarded-host\":\"shop.test:8080\"")
            .contains("\"x-forwarded-port\":\"" + proxy.port() + "\"")
            .doesNotContain("6.6.6.6")
            .doesNotContain("evil.test")
            .doesNotContain("x-hop")
            .doesNotContain("keep-alive")
            .doesNotContain("proxy-authorization");
      }
    }
  }

  @Test
  void trustedPeerForwardedForIsKeptAndAppended() throws Exception {
    try (TestProxy proxy =
        TestProxy.start(b -> b.trustedProxies(new TrustedProxies.Cidrs(List.of("127.0.0.0/8"))))) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      String echo;
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        echo =
            c.send("GET /echo HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n")
                .read()
                .bodyText();
      }
      assertThat(echo)
          .contains("\"x-forwarded-for\":\"203.0.113.7, 127.0.0.1\"")
          .contains("\"x-real-ip\":\"203.0.113.7\"");
    }
  }
}
