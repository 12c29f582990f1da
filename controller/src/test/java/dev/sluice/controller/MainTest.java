package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's refusals: nothing here binds a socket. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private boolean run(String... args) throws InterruptedException {
    return Main.start(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .isPresent();
  }

  @Test
  void badFlagPrintsUsageAndExitsWithTwo() throws Exception {
    assertThat(run("--htp-port", "1")).isFalse();
    assertThat(Main.lastExitCode()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("sluice: unknown flag --htp-port\n")
        .contains("Usage: sluice --manifests DIR");
  }

  @Test
  void clusterModeWithMissingKubeconfigExitsWithOne(@TempDir Path dir) throws Exception {
    assertThat(run("--http-port", "0", "--kubeconfig", dir.resolve("nope").toString())).isFalse();
    assertThat(Main.lastExitCode()).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("cannot load the Kubernetes client configuration from --kubeconfig")
        .contains("nope");
  }

  @Test
  void clusterFlagsAreRejectedInStandaloneMode(@TempDir Path dir) throws Exception {
    assertThat(run("--manifests", dir.toString(), "--watch-namespace", "a")).isFalse();
    assertThat(Main.lastExitCode()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--watch-namespace is a cluster-mode flag");
  }

  @Test
  void helpPrintsUsageToStdoutAndExitsWithZero() throws Exception {
    assertThat(run("--help")).isFalse();
    assertThat(Main.lastExitCode()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--trusted-proxies P");
    assertThat(err.size()).isZero();
  }

  @Test
  void unreadableFolderExitsWithOne(@TempDir Path dir) throws Exception {
    assertThat(run("--manifests", dir.resolve("missing").toString())).isFalse();
    assertThat(Main.lastExitCode()).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read --manifests").contains("missing");
  }
}
