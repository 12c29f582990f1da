package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image that {@code -Pimage} builds ({@code controller/target/sluice-image.tar}),
 * started the way a container runtime starts it, without one: its layers unpacked into a root file
 * system, its entrypoint, environment, user and working directory taken from the image config, run
 * in a new PID and mount namespace ({@code unshare --root --setuid}) with only its own files
 * visible. The network namespace is the host's, so the test reaches its ports on loopback and it
 * reaches the test's echo backends.
 *
 * <p>Skipped unless this build made the image (the default build does not, see README "Cluster
 * install"; a tar older than sluice.jar is from an earlier build) and, for the run, unless the test
 * runs as root (namespaces and setuid need it).
 */
class ContainerImageTest {
  private static final Path TAR =
      SluiceProcess.repo().resolve("controller/target/sluice-image.tar");
  private static final Path JAR = SluiceProcess.repo().resolve("controller/target/sluice.jar");
  private static final Path CHART = SluiceProcess.repo().resolve("charts/sluice");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^\\s]*:(\\d+)");
  private static final Pattern HTTPS = Pattern.compile(" and https://[^\\s]*:(\\d+)");
  private static final Pattern ADMIN = Pattern.compile(" admin http://[^\\s]*:(\\d+)");
  private static final String MANIFESTS = "/config/manifests";

  @TempDir Path work;

  @Test
  void imageIsTaggedAsTheChartsDefaultImageAndRunsAsItsUser() throws Exception {
    assumeImageFromThisBuild();
    ImageArchive image = ImageArchive.read(TAR);

    JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
    JsonNode chart = YAML.readTree(CHART.resolve("Chart.yaml").toFile());
    String tag = values.path("image").path("tag").asText("");
    String chartDefault =
        values.path("image").path("repository").asText()
            + ":" + (tag.isEmpty() ? chart.path("appVersion").asText() : tag);
    assertThat(image.repoTag()).isEqualTo(chartDefault);
    // the chart's securityContext: runAsUser/runAsGroup 65532, runAsNonRoot
    assertThat(image.user()).isEqualTo("65532:65532");
    assertThat(image.entrypoint()).isNotEmpty();
  }

  @Test
  void imageServesTheQuickstartAsUser65532() throws Exception {
    assumeImageFromThisBuild();
    assumeTrue(isRoot(), "needs root: unshare --pid --mount and setuid");
    Optional<Path> unshare = onHost("unshare");
    assumeTrue(unshare.isPresent(), "no unshare (util-linux)");

    long t0 = System.nanoTime();
    ImageArchive image = ImageArchive.read(TAR);
    Path rootfs = Files.createDirectory(work.resolve("rootfs"));
    Files.setPosixFilePermissions(rootfs, PosixFilePermissions.fromString("rwxr-xr-x"));
    image.unpack(TAR, rootfs, Files.createDirectory(work.resolve("blobs")));
    // what a runtime adds: /proc (mounted by unshare) and the OCI default devices. Without
    // /dev/urandom the JVM seeds SecureRandom from thread timing, and starts 10 s later.
    Files.createDirectories(rootfs.resolve("proc"));
    makeDevices(Files.createDirectories(rootfs.resolve("dev")));
    // the manifests play the part of a mounted ConfigMap
    Path manifests = Files.createDirectories(rootfs.resolve(MANIFESTS.substring(1)));

    try (EchoProcess a = EchoProcess.start("echo-a");
        EchoProcess b = EchoProcess.start("echo-b")) {
      copyQuickstart(manifests, a.port(), b.port());
      Path log = work.resolve("container.log");
      long t1 = System.nanoTime();
      Process container = start(unshare.get(), rootfs, image, log);
      try {
        String started = awaitListening(container, log);
        System.out.printf(
            "image unpacked and echo backends up in %d ms; Sluice listening %d ms after start%n",
            (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        int http = port(LISTENING, started);
        int https = port(HTTPS, started);
        int admin = port(ADMIN, started);

        assertThat(Curl.get(admin, "localhost", "/healthz").status()).isEqualTo(200);
        Curl.Result ready = Curl.get(admin, "localhost", "/readyz");
        assertThat(ready.status()).as(ready.body()).isEqualTo(200);
        Curl.Result proxied = Curl.get(http, "echo.example.test", "/hello");
        assertThat(proxied.status()).as(proxied.body()).isEqualTo(200);
        assertThat(proxied.body()).contains("request: GET /hello");
        // TLS termination on BoringSSL, loaded from the image's /tmp
        Curl.Result tls = Curl.getHttpsInsecure(https, "echo.example.test", "/tls");
        assertThat(tls.status()).as(tls.body()).isEqualTo(200);
        assertThat(tls.body()).contains("request: GET /tls");

        String text = Files.readString(log);
        assertThat(text)
            .contains("(epoll transport")
            .contains("netty-tcnative using native library: BoringSSL");
        assertThat(text)
            .doesNotContainIgnoringCase("exception")
            .doesNotContainIgnoringCase("problem");
        // the JVM named its perf-data directory after the user /etc/passwd gives 65532
        Path perf = rootfs.resolve("tmp/hsperfdata_nonroot");
        assertThat(perf).isDirectory();
        assertThat(Files.getAttribute(perf, "unix:uid")).isEqualTo(65532);
      } finally {
        stop(container);
      }
    }
  }

  /** {@code /dev/null, zero, full, random, urandom, tty}, as the OCI runtime spec lists them. */
  private static void makeDevices(Path dev) throws IOException, InterruptedException {
    Map<String, String> devices =
        Map.of("null", "1 3", "zero", "1 5", "full", "1 7", "random", "1 8", "urandom", "1 9",
            "tty", "5 0");
    for (Map.Entry<String, String> d : devices.entrySet()) {
      String[] majorMinor = d.getValue().split(" ");
      ImageArchive.run(List.of("mknod", "-m", "666", dev.resolve(d.getKey()).toString(), "c",
          majorMinor[0], majorMinor[1]));
    }
  }

  /** The quickstart manifests as committed, their two backend ports moved to the test's echoes. */
  private static void copyQuickstart(Path into, int portA, int portB) throws IOException {
    Path source = SluiceProcess.repo().resolve("examples/quickstart/manifests");
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.toList()) {
        String text = Files.readString(f);
        String moved =
            text.replace("port: 9001", "port: " + portA).replace("port: 9002", "port: " + portB);
        if (f.getFileName().toString().equals("echo.yaml")) {
          assertThat(moved).as("echo.yaml names ports 9001 and 9002").isNotEqualTo(text);
        }
        Files.writeString(into.resolve(f.getFileName()), moved);
      }
    }
  }

  /**
   * {@code unshare}: own PID namespace with /proc of its own, the unpacked image as root directory,
   * the config's working directory, user and environment, and the entrypoint as the command.
   */
  private static Process start(Path unshare, Path rootfs, ImageArchive image, Path log)
      throws IOException {
    String[] user = image.user().split(":", 2);
    List<String> command =
        new ArrayList<>(List.of(unshare.toString(), "--pid", "--fork", "--mount-proc",
            "--root=" + rootfs, "--wd=" + image.workingDir(),
            "--setuid", user[0], "--setgid", user.length > 1 ? user[1] : user[0], "--"));
    command.addAll(image.command());
    command.addAll(List.of("--manifests", MANIFESTS, "--bind", "127.0.0.1",
        "--http-port", "0", "--https-port", "0", "--admin-port", "0"));
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    for (String entry : image.env()) {
      int eq = entry.indexOf('=');
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    // as the chart sets it, plus Netty's one line saying which TLS library loaded
    env.put("JAVA_TOOL_OPTIONS", chartJavaOptions()
        + " -Dorg.slf4j.simpleLogger.log.io.netty.handler.ssl.OpenSsl=debug");
    return pb.start();
  }

  private static String chartJavaOptions() throws IOException {
    JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
    return values.path("controller").path("javaOptions").asText("");
  }

  /** The log up to the "listening" line (a few seconds; a busy machine may take much longer). */
  private static String awaitListening(Process container, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      if (LISTENING.matcher(text).find() && ADMIN.matcher(text).find()) {
        return text;
      }
      if (!container.isAlive()) {
        throw new IllegalStateException(
            "container exited with " + container.exitValue() + ":\n" + text);
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "container did not report its ports in 90 s:\n" + Files.readString(log));
  }

  private static int port(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as(pattern + " in\n" + text).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /**
   * Stops the JVM first (SIGTERM, as a runtime does): it is PID 1 of the namespace, and with it the
   * namespace's every process dies; then unshare exits. A parent-death signal would not do it,
   * because setuid clears it.
   */
  private static void stop(Process container) throws InterruptedException {
    List<ProcessHandle> inside = container.descendants().toList();
    inside.forEach(ProcessHandle::destroy);
    for (ProcessHandle p : inside) {
      p.onExit().completeOnTimeout(p, 15, TimeUnit.SECONDS).join();
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    if (!container.waitFor(10, TimeUnit.SECONDS)) {
      container.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(container.descendants().count()).as("processes left behind").isZero();
  }

  private static void assumeImageFromThisBuild() throws IOException {
    assumeTrue(Files.isRegularFile(TAR), TAR + " not built (build with -Pimage)");
    assumeTrue(
        Files.getLastModifiedTime(TAR).compareTo(Files.getLastModifiedTime(JAR)) >= 0,
        TAR + " is older than " + JAR + ": an image of an earlier build (build with -Pimage)");
  }

  private static boolean isRoot() throws IOException {
    return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
  }

  private static Optional<Path> onHost(String tool) {
    return Stream.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")
        .map(d -> Path.of(d, tool))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
