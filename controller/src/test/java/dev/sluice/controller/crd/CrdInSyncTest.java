package dev.sluice.controller.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD that {@code kubectl apply -f crds/} installs, and the copy the Helm chart installs from
 * {@code charts/sluice/crds/}, are the one the build generates.
 */
class CrdInSyncTest {

  private static final String FILE = "tlspassthroughroutes.sluice.dev-v1.yml";

  @Test
  void committedCrdMatchesGeneratedCrd() throws IOException {
    String generated;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/fabric8/" + FILE)) {
      assertThat(in).as("generated CRD on the classpath (crd-generator-maven-plugin)").isNotNull();
      generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path committed = Path.of(System.getProperty("user.dir")).resolveSibling("crds").resolve(FILE);
    String onDisk = Files.exists(committed) ? Files.readString(committed) : "<missing>";
    assertThat(onDisk)
        .as(
            "crds/%s is out of date with the Java types in dev.sluice.controller.crd; copy it over:%n"
                + "  cp controller/target/classes/META-INF/fabric8/%s crds/%s",
            FILE, FILE, FILE)
        .isEqualTo(generated);
  }

  @Test
  void helmChartCopyMatchesGeneratedCrd() throws IOException {
    String generated;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/fabric8/" + FILE)) {
      generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path chart = Path.of(System.getProperty("user.dir")).resolveSibling("charts/sluice/crds").resolve(FILE);
    String onDisk = Files.exists(chart) ? Files.readString(chart) : "<missing>";
    assertThat(onDisk)
        .as("charts/sluice/crds/%s is out of date; copy it over:%n"
                + "  cp controller/target/classes/META-INF/fabric8/%s charts/sluice/crds/%s",
            FILE, FILE, FILE)
        .isEqualTo(generated);
  }

  @Test
  void generatedCrdValidatesWhatTheSchemaCan() throws IOException {
    String yaml;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/fabric8/" + FILE)) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // Spot checks that the annotations reached the schema; kubectl relies on them to reject input.
    assertThat(yaml)
        .contains("scope: \"Namespaced\"")
        .contains("- \"tpr\"")
        .contains("maxItems: 16")
        .contains("x-kubernetes-int-or-string: true")
        .contains("maximum: 1000000.0")
        .contains("- \"None\"\n                - \"V1\"\n                - \"V2\"")
        .contains("pattern: \"^(\\\\*\\\\.)?[a-z0-9]")
        .contains("status: {}");
  }
}
