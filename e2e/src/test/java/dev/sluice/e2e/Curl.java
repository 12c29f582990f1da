package dev.sluice.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real curl binary, as a user would, and returns status and body. */
final class Curl {
  record Result(int status, String body) {}

  private Curl() {}

  /** {@code curl -sS -H 'Host: host' http://127.0.0.1:port/path}, plus extra args. */
  static Result get(int port, String host, String path, String... extra)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("-H", "Host: " + host));
    cmd.addAll(List.of(extra));
    cmd.add("http://127.0.0.1:" + port + path);
    return run(cmd);
  }

  /**
   * {@code curl -sS -k https://host:port/path} with host resolved to 127.0.0.1, so that SNI and
   * Host name it; -k because the server's certificate is the self-signed default.
   */
  static Result getHttpsInsecure(int port, String host, String path)
      throws IOException, InterruptedException {
    return run(List.of("-k", "--resolve", host + ":" + port + ":127.0.0.1",
        "https://" + host + ":" + port + path));
  }

  private static Result run(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("curl hung");
    }
    int nl = out.lastIndexOf('\n');
    String code = out.substring(nl + 1).trim();
    return new Result(code.matches("\\d{3}") ? Integer.parseInt(code) : -1, out.substring(0, Math.max(nl, 0)));
  }
}
