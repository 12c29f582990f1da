package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.testing.Ports;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS session resumption towards upstreams, proven by a backend that is not ours: {@code openssl
 * s_server -www} answers every request with a status page saying whether the TLS session was
 * {@code New} or {@code Reused}, and closes the connection after it, so each request through the
 * proxy is a fresh TLS connection.
 */
class UpstreamTlsSessionReuseTest {

  @Test
  void secondConnectionToTheSameUpstreamResumesTheTlsSession(@TempDir Path dir) throws Exception {
    assumeTrue(openssl(), "openssl is not installed");
    TestCa ca = TestCa.create("reuse CA");
    TestCa.Issued cert = ca.issue("backend.test");
    Path certFile = Files.writeString(dir.resolve("cert.pem"), cert.chainPem());
    Path keyFile = Files.writeString(dir.resolve("key.pem"), cert.keyPem());
    int port = Ports.refusing();
    Process server =
        new ProcessBuilder(
                "openssl", "s_server", "-quiet", "-www",
                "-accept", "127.0.0.1:" + port,
                "-cert", certFile.toString(), "-key", keyFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("s_server.log").toFile())
            .start();
    try (TestProxy proxy = TestProxy.start()) {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accepts(port));
      proxy.publish(
          TestSnapshots.builder()
              .prefixTls(
                  "*", "/", new UpstreamTls(true, ca.pem(), "backend.test"),
                  Endpoint.of("127.0.0.1", port))
              .build());
      RawHttp.Response first = RawHttp.get(proxy.port(), "app.test", "/");
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.bodyText()).contains("New, TLSv1.3");
      RawHttp.Response second = RawHttp.get(proxy.port(), "app.test", "/");
      assertThat(second.status()).isEqualTo(200);
      assertThat(second.bodyText()).contains("Reused, TLSv1.3");
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean openssl() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
