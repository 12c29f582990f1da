package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command serves examples/quickstart as is: the two echo backends on their fixed
 * ports 9001 and 9002 and the committed manifests, unchanged. (The HTTP port is left to the OS so
 * that a Sluice already running on 8080 does not fail the build.)
 */
class QuickstartTest {
  @TempDir Path work;

  @Test
  void committedQuickstartManifestsServeTheEchoBackends() throws Exception {
    try (EchoProcess a = EchoProcess.start(9001, "echo-a");
        EchoProcess b = EchoProcess.start(9002, "echo-b");
        SluiceProcess sluice =
            SluiceProcess.start(
                work,
                "--manifests", SluiceProcess.repo().resolve("examples/quickstart/manifests").toString(),
                "--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0", "--admin-port", "0")) {
      Curl.Result r = Curl.get(sluice.httpPort(), "echo.example.test", "/hello");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("request: GET /hello");
      assertThat(sluice.log()).doesNotContainIgnoringCase("problem");
    }
  }
}
