package dev.sluice.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The quickstart's echo backend ({@code examples/quickstart/EchoBackend.java}) as a process. */
final class EchoProcess implements AutoCloseable {
  private final Process process;
  private final int port;

  private EchoProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static EchoProcess start(String name) throws IOException {
    return start(freePort(), name);
  }

  static EchoProcess start(int port, String name) throws IOException {
    String source = SluiceProcess.repo().resolve("examples/quickstart/EchoBackend.java").toString();
    Process p =
        new ProcessBuilder(SluiceProcess.javaBin().toString(), source, Integer.toString(port), name)
            .redirectErrorStream(true)
            .start();
    // the single-file launcher compiles first; wait for its "listening" line
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.contains("listening")) {
      p.destroyForcibly();
      throw new IllegalStateException("echo backend did not start: " + line);
    }
    Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "echo-drain-" + name);
    drain.setDaemon(true);
    drain.start();
    return new EchoProcess(p, port);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  /** Kills the backend at once (SIGKILL), as a crash would: no graceful close of its sockets. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
