package dev.sluice.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs real client programs (curl, openssl) for tests, with a time limit. */
public final class Commands {
  /** Exit status and output of one run. */
  public record Result(int exit, String out, String err) {}

  private Commands() {}

  /** Runs {@code command} with {@code stdin} (may be empty), killing it after 20 s. */
  public static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).start();
    CompletableFuture<String> out = read(p.getInputStream());
    CompletableFuture<String> err = read(p.getErrorStream());
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the program may exit without reading its input
    }
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " hung: " + command);
    }
    return new Result(p.exitValue(), out.join(), err.join());
  }

  private static CompletableFuture<String> read(java.io.InputStream s) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  /**
   * {@code curl -sS -i --resolve host:port:127.0.0.1 --cacert ca https://host:port/path}, plus
   * {@code extra} arguments; stdout holds the response head and body.
   */
  public static Result curlHttps(String host, int port, String path, String caPem, String... extra)
      throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        "curl", "-sS", "-i", "--max-time", "10", "--resolve", host + ":" + port + ":127.0.0.1",
        "--cacert", caPem));
    cmd.addAll(List.of(extra));
    cmd.add("https://" + host + ":" + port + path);
    return run(cmd, "");
  }

  /** The first certificate PEM block in {@code text} (e.g. {@code openssl s_client} output). */
  public static java.security.cert.X509Certificate firstCertificate(String text) {
    int begin = text.indexOf("-----BEGIN CERTIFICATE-----");
    int end = text.indexOf("-----END CERTIFICATE-----", begin);
    if (begin < 0 || end < 0) {
      throw new AssertionError("no certificate in:\n" + text);
    }
    String pem = text.substring(begin, end + "-----END CERTIFICATE-----".length());
    return TestCa.leaf(new dev.sluice.dataplane.snapshot.Certificate("peer", List.of(), pem, ""));
  }
}
