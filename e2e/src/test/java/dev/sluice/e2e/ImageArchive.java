package dev.sluice.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A container image in the docker-archive tar format jib's {@code buildTar} writes: {@code
 * manifest.json} (the tag and the layer files, bottom first), the image config and one gzipped tar
 * per layer. Reads only what a container runtime needs to start the image; the layers are unpacked
 * with the real {@code tar} binary, as a runtime's snapshotter would apply them.
 */
record ImageArchive(
    String repoTag,
    List<String> layers,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String user,
    String workingDir) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static ImageArchive read(Path tar) throws IOException, InterruptedException {
    JsonNode manifest = JSON.readTree(extract(tar, "manifest.json"));
    if (!manifest.isArray() || manifest.size() != 1) {
      throw new IOException(tar + ": manifest.json should describe exactly one image: " + manifest);
    }
    JsonNode image = manifest.get(0);
    JsonNode config = JSON.readTree(extract(tar, image.path("Config").asText())).path("config");
    return new ImageArchive(
        image.path("RepoTags").path(0).asText(),
        strings(image.path("Layers")),
        strings(config.path("Entrypoint")),
        strings(config.path("Cmd")),
        strings(config.path("Env")),
        config.path("User").asText(""),
        config.path("WorkingDir").asText("/"));
  }

  /** The command a runtime runs: entrypoint followed by cmd. */
  List<String> command() {
    List<String> command = new ArrayList<>(entrypoint);
    command.addAll(cmd);
    return command;
  }

  /**
   * Unpacks every layer, bottom first, into {@code rootfs}. Whiteout files ({@code .wh.*}) would
   * need a runtime's deletion logic; jib images from scratch have none, so one fails the call.
   */
  void unpack(Path tar, Path rootfs, Path work) throws IOException, InterruptedException {
    run(List.of("tar", "--warning=no-unknown-keyword", "-xf", tar.toString(),
        "-C", work.toString()));
    for (String layer : layers) {
      String listing = run(List.of("tar", "--warning=no-unknown-keyword", "-tzf",
          work.resolve(layer).toString()));
      if (listing.lines().anyMatch(l -> l.substring(l.lastIndexOf('/') + 1).startsWith(".wh."))) {
        throw new IOException("layer " + layer + " has whiteouts; this reader does not apply them");
      }
      run(List.of("tar", "--warning=no-unknown-keyword", "--same-owner", "--same-permissions",
          "-xzf", work.resolve(layer).toString(), "-C", rootfs.toString()));
    }
  }

  private static byte[] extract(Path tar, String member) throws IOException, InterruptedException {
    return run(List.of("tar", "--warning=no-unknown-keyword", "-xOf", tar.toString(), member))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return List.copyOf(out);
  }

  /** Runs {@code command} and returns its standard output; its errors go to the test's log. */
  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " hung");
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited with " + p.exitValue() + " (its errors: test log)");
    }
    return out;
  }
}
