package dev.sluice.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged Sluice, started as a separate process exactly as README documents ({@code java -jar
 * controller/target/sluice.jar FLAGS}), with its output captured to a file the test can read.
 */
final class SluiceProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^\\s]*:(\\d+)");
  private static final Pattern HTTPS = Pattern.compile(" and https://[^\\s]*:(\\d+)");

  private final Process process;
  private final Path log;
  private final int httpPort;
  private final int httpsPort;

  private SluiceProcess(Process process, Path log, int httpPort, int httpsPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.httpsPort = httpsPort;
  }

  static Path repo() {
    return Path.of(System.getProperty("sluice.repo", "..")).toAbsolutePath().normalize();
  }

  static Path javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** Starts Sluice with {@code flags} and waits until it logs its HTTP port. */
  static SluiceProcess start(Path workDir, String... flags) throws IOException, InterruptedException {
    Path jar = repo().resolve("controller/target/sluice.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " missing: run the build through `./mvnw verify`");
    }
    List<String> command = new ArrayList<>(List.of(javaBin().toString(), "-jar", jar.toString()));
    command.addAll(List.of(flags));
    Path log = Files.createTempFile(workDir, "sluice", ".log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.readString(log);
      Matcher m = LISTENING.matcher(text);
      if (m.find()) {
        Matcher https = HTTPS.matcher(text);
        int httpsPort = https.find(m.end()) ? Integer.parseInt(https.group(1)) : -1;
        return new SluiceProcess(p, log, Integer.parseInt(m.group(1)), httpsPort);
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("Sluice exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    p.destroyForcibly();
    throw new IllegalStateException("Sluice did not report its port in 30 s:\n" + Files.readString(log));
  }

  int httpPort() {
    return httpPort;
  }

  /** The HTTPS port from the same line ({@code and https://BIND:PORT}); -1 if not printed. */
  int httpsPort() {
    return httpsPort;
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  Process process() {
    return process;
  }

  /**
   * SIGTERM, as Kubernetes stops a pod, then SIGKILL if it has not exited within 10 s. Returns the
   * exit status: 143 for a clean stop on SIGTERM, -1 when it had to be killed.
   */
  int stop() throws InterruptedException {
    process.destroy();
    if (process.waitFor(10, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
